import mongoose from 'mongoose';
import { MAX_EVIDENCE_FILES } from '../domain/evidence';
import type { AttachmentDoc } from './schemas';
import { isDuplicateKeyError, type Store } from './store';

/**
 * Complaints' evidence files, kept in the database with the rest of the complaint: the bytes in
 * GridFS (the driver's own chunked files, the same on MongoDB and the embedded FerretDB), who sent
 * what in complaint_attachments.
 */
function bucket(store: Store): mongoose.mongo.GridFSBucket {
  return new mongoose.mongo.GridFSBucket(store.connection.db!, { bucketName: 'evidence' });
}

/**
 * Keep a file on a complaint, in its next free slot; undefined when all MAX_EVIDENCE_FILES are taken
 * (then nothing is kept). The bytes go in first, so a slot never names a file that is not there.
 */
export async function keepEvidence(store: Store, file: Omit<AttachmentDoc, 'slot'>, data: Buffer): Promise<AttachmentDoc | undefined> {
  await new Promise<void>((resolve, reject) => {
    const upload = bucket(store).openUploadStreamWithId(file._id as never, file._id, { metadata: { complaintId: file.complaintId, contentType: file.contentType } });
    upload.once('finish', () => resolve());
    upload.once('error', reject);
    upload.end(data);
  });
  for (let slot = await store.attachments.countDocuments({ complaintId: file.complaintId }); slot < MAX_EVIDENCE_FILES; slot++) {
    try {
      const kept = { ...file, slot };
      await store.attachments.create(kept);
      return kept;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }
  await bucket(store).delete(file._id as never);
  return undefined;
}

/** A complaint's files, in the order they came. */
export function evidenceOf(store: Store, complaintId: string): Promise<AttachmentDoc[]> {
  return store.attachments.find({ complaintId }).sort({ slot: 1 }).lean();
}

/** One file's bytes. */
export async function evidenceBytes(store: Store, attachmentId: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of bucket(store).openDownloadStream(attachmentId as never)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
