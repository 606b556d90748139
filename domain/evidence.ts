/** The files a complaint takes as evidence: images and PDFs, at most this many bytes each and this many per complaint. */
export const EVIDENCE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'application/pdf'] as const;
export type EvidenceType = (typeof EVIDENCE_TYPES)[number];
export const MAX_EVIDENCE_BYTES = 5 * 1024 * 1024;
export const MAX_EVIDENCE_FILES = 5;

/** Each type's leading bytes (its file signature); a body that does not start so is not what it says it is. */
const SIGNATURES: Record<EvidenceType, (b: Buffer) => boolean> = {
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (b) => b.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff])),
  'image/webp': (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  'application/pdf': (b) => b.subarray(0, 5).toString('latin1') === '%PDF-',
};

export function isEvidenceType(type: string): type is EvidenceType {
  return (EVIDENCE_TYPES as readonly string[]).includes(type);
}

/** Whether the bytes are what their type says, by their leading bytes. */
export function looksLike(type: EvidenceType, bytes: Buffer): boolean {
  return SIGNATURES[type](bytes);
}

/** The file name an attachment is served under. */
export function evidenceFileName(attachmentId: string, type: EvidenceType): string {
  return `${attachmentId}.${{ 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'application/pdf': 'pdf' }[type]}`;
}
