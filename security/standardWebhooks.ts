import { timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/*
 * Standard Webhooks (standardwebhooks.com): `webhook-id`, `webhook-timestamp` (unix seconds) and
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, signed and verified by
 * the standard's own library. Beside `X-Signature` (signature.ts), keyed by the same configured secret.
 */

/** How a Standard Webhooks secret is written; the rest is the HMAC key in base64. */
export const SECRET_PREFIX = 'whsec_';

/** How far a `webhook-timestamp` may be from now, either way (the standard's tolerance). */
export const TOLERANCE_SECONDS = 5 * 60;

/**
 * The HMAC key of a configured secret. One written `whsec_<base64>` is the bytes its base64 part
 * decodes to; any other secret is its UTF-8 bytes, which a receiver's library takes as
 * `whsec_` + base64(secret) (see `asWhsec`).
 */
export function signingKey(secret: string): Buffer {
  return secret.startsWith(SECRET_PREFIX) ? Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64') : Buffer.from(secret, 'utf8');
}

/** The secret as a Standard Webhooks library takes it: what a storefront configures on its side. */
export function asWhsec(secret: string): string {
  return `${SECRET_PREFIX}${signingKey(secret).toString('base64')}`;
}

/** Why a secret written `whsec_…` cannot be one (its part after `whsec_` is not base64 of 16+ bytes); undefined when it can. */
export function whsecProblem(secret: string): string | undefined {
  if (!secret.startsWith(SECRET_PREFIX)) return undefined;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return 'after "whsec_" must come standard base64 (A-Z, a-z, 0-9, +, /, = padding)';
  if (signingKey(secret).length < 16) return 'after "whsec_" must come the base64 of at least 16 bytes';
  return undefined;
}

function webhookOf(secret: string): Webhook {
  return new Webhook(signingKey(secret), { format: 'raw' });
}

export type StandardHeaders = { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string };

/** The three headers of one delivery attempt of `body` as event `id`, signed now. */
export function standardWebhookHeaders(id: string, body: string, secret: string, at = new Date()): StandardHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': webhookOf(secret).sign(id, at, body),
  };
}

/** Why a Standard Webhooks signature was refused, so the sender can tell which thing to fix. */
export type StandardCheck = 'ok' | 'incomplete' | 'bad_timestamp' | 'stale' | 'mismatch';

/** The request's three headers, each as sent (undefined when absent). */
export type PresentedHeaders = { id?: string; timestamp?: string; signature?: string };

/** Whether the sender signed the Standard Webhooks way (any of the three headers is there). */
export function presentsStandardSignature(h: PresentedHeaders): boolean {
  return h.id !== undefined || h.timestamp !== undefined || h.signature !== undefined;
}

/**
 * Check the three headers against the raw body at `nowMs`. The expected signature is the library's;
 * any one of the space-separated signatures may match it (the standard's way to rotate secrets).
 */
export function checkStandardSignature(body: Buffer, h: PresentedHeaders, secret: string, nowMs = Date.now()): StandardCheck {
  if (!h.id || !h.timestamp || !h.signature) return 'incomplete';
  if (!/^\d{1,12}$/.test(h.timestamp)) return 'bad_timestamp';
  const seconds = Number(h.timestamp);
  if (Math.abs(nowMs / 1000 - seconds) > TOLERANCE_SECONDS) return 'stale';
  const expected = Buffer.from(webhookOf(secret).sign(h.id, new Date(seconds * 1000), body));
  const matches = h.signature.split(' ').some((given) => {
    const bytes = Buffer.from(given);
    return bytes.length === expected.length && timingSafeEqual(bytes, expected);
  });
  return matches ? 'ok' : 'mismatch';
}

/** What a sender is told for each refusal: which thing to fix, never the expected value. */
export const STANDARD_REFUSALS: Record<Exclude<StandardCheck, 'ok'>, string> = {
  incomplete: 'a Standard Webhooks signature needs all three headers: webhook-id, webhook-timestamp and webhook-signature',
  bad_timestamp: 'the webhook-timestamp header must be the time of sending in whole unix seconds',
  stale: `the webhook-timestamp is more than ${TOLERANCE_SECONDS / 60} minutes from now: sign each attempt when it is sent (and check the sender's clock)`,
  mismatch: 'the webhook-signature does not match: it must be "v1," + base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<exact body>" with the shared webhook secret',
};
