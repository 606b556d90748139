import { createHmac, timingSafeEqual } from 'node:crypto';

/** `sha256=<hex HMAC-SHA256 of the raw body>`: how payment notices arrive and storefront webhooks leave. */
export function sign(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Why a signature header was refused, so the sender can tell a setup mistake from a wrong secret. */
export type SignatureCheck = 'ok' | 'missing' | 'malformed' | 'mismatch';

const SIGNATURE_FORMAT = /^sha256=[0-9a-f]{64}$/;

/** Check a `sha256=<hex>` header against the raw body, in constant time over the digest. */
export function checkSignature(body: Buffer, header: string | undefined, secret: string): SignatureCheck {
  const given = header?.trim();
  if (!given) return 'missing';
  if (!SIGNATURE_FORMAT.test(given)) return 'malformed';
  return timingSafeEqual(Buffer.from(given), Buffer.from(sign(body, secret))) ? 'ok' : 'mismatch';
}

export function verifySignature(body: Buffer, header: string | undefined, secret: string): boolean {
  return checkSignature(body, header, secret) === 'ok';
}

/** What a sender is told for each refusal: which of the three things to fix, never the expected value. */
export const SIGNATURE_REFUSALS: Record<Exclude<SignatureCheck, 'ok'>, string> = {
  missing: 'the signature is missing: send X-Signature: sha256=<hex HMAC-SHA256 of the raw body>, or the Standard Webhooks headers webhook-id, webhook-timestamp and webhook-signature',
  malformed: 'the X-Signature header is malformed: it must be "sha256=" followed by 64 lower-case hex characters',
  mismatch: 'the X-Signature does not match the body: sign the exact bytes sent, with the shared webhook secret',
};
