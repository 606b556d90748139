import express, { Router } from 'express';
import { evidenceBytes, keepEvidence } from '../../db/evidence';
import { newId } from '../../db/vault';
import { EVIDENCE_TYPES, MAX_EVIDENCE_BYTES, MAX_EVIDENCE_FILES, evidenceFileName, isEvidenceType, looksLike, type EvidenceType } from '../../domain/evidence';
import { actorName, callerOf, requireComplainantOr } from '../auth';
import { ComplaintGateway } from '../complaintGateway';
import { handle, type ApiDeps } from '../deps';
import { badRequest, conflict, HttpError, notFound } from '../errors';
import { ComplaintId } from '../schemas';
import { parse } from '../validate';

/**
 * Evidence files on a complaint (screenshots, PDFs): sent raw by the buyer or an agent, checked by
 * their leading bytes, kept in the database, and served only to the agents, ops and that buyer, as
 * downloads the browser never renders in our origin.
 */
export function evidenceRoutes({ store, client }: ApiDeps): Router {
  const complaints = new ComplaintGateway(client, store);
  const router = Router();
  const complainant = (...roles: Parameters<typeof requireComplainantOr>[2][]) => requireComplainantOr(store, (id) => complaints.orderOf(id), ...roles);

  router.post(
    '/v1/complaints/:complaintId/attachments',
    complainant('agent'),
    // After the caller is known: nobody else's upload is read.
    express.raw({ type: () => true, limit: MAX_EVIDENCE_BYTES }),
    handle(async (req, res) => {
      const complaintId = parse(ComplaintId, req.params.complaintId, 'complaintId');
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (!isEvidenceType(type)) {
        throw new HttpError(415, 'unsupported_media_type', `evidence is one of ${EVIDENCE_TYPES.join(', ')}`, [{ path: 'Content-Type', reason: type ? `is "${type.slice(0, 100)}"; must be one of ${EVIDENCE_TYPES.join(', ')}` : 'is missing' }]);
      }
      const data = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (data.length === 0) throw badRequest('the body is empty', [{ path: 'body', reason: 'must be the file' }]);
      if (!looksLike(type, data)) {
        throw new HttpError(415, 'unsupported_media_type', `the body is not ${type}`, [{ path: 'body', reason: `does not begin as a ${type} file does` }]);
      }
      const { status } = await complaints.view(complaintId);
      if (status === 'CLOSED') throw conflict('the complaint is CLOSED; evidence is added while it is open');
      const caller = callerOf(req);
      const kept = await keepEvidence(store, { _id: newId(), complaintId, contentType: type, bytes: data.length, from: caller.kind === 'buyer' ? 'buyer' : 'agent', ...(caller.kind === 'staff' ? { actor: actorName(caller) } : {}), at: new Date() }, data);
      if (!kept) throw conflict(`the complaint has ${MAX_EVIDENCE_FILES} files already, the most it takes`);
      res.status(201).json({ attachmentId: kept._id, contentType: kept.contentType, bytes: kept.bytes });
    }),
  );

  router.get(
    '/v1/complaints/:complaintId/attachments/:attachmentId',
    complainant('agent', 'ops'),
    handle(async (req, res) => {
      const complaintId = parse(ComplaintId, req.params.complaintId, 'complaintId');
      const attachmentId = parse(ComplaintId, req.params.attachmentId, 'attachmentId');
      const file = await store.attachments.findById(attachmentId).lean();
      if (!file || file.complaintId !== complaintId) throw notFound(`attachment ${attachmentId} does not exist on complaint ${complaintId}`);
      const data = await evidenceBytes(store, attachmentId);
      res
        .status(200)
        .set({
          'content-type': file.contentType,
          'content-disposition': `attachment; filename="${evidenceFileName(attachmentId, file.contentType as EvidenceType)}"`,
          'x-content-type-options': 'nosniff',
          'cache-control': 'private, no-store',
        })
        .send(data);
    }),
  );

  return router;
}
