import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { isDuplicateKeyError, type Store } from '../db/store';
import { newId } from '../db/vault';
import { callerOf } from './auth';
import { badRequest } from './errors';

/** How long a request without an Idempotency-Key counts as a retry of the same one before it. */
export const RETRY_WINDOW_MS = 10 * 60_000;

/**
 * The Temporal update id of a human action, so an HTTP retry of it is harmless: the workflow
 * applies an update id once and answers a repeat with the first outcome.
 *
 * With an `Idempotency-Key` header the id follows from the key (per caller and route), for as long
 * as the order or complaint lives. Without one, the same caller sending the same body to the same
 * route within RETRY_WINDOW_MS is taken for a retry; later, the same words are a new action (a
 * buyer who is unsatisfied twice, on two resolutions, means it twice).
 */
export async function actionId(store: Store, req: Request, body: unknown): Promise<string> {
  const caller = callerOf(req);
  const who = caller.kind === 'staff' ? `staff:${caller.role}:${caller.name}` : `buyer:${caller.orderId}`;
  const key = idempotencyKeyOf(req);
  if (key !== undefined) return `key-${digest(who, req.method, req.path, key)}`;
  const _id = digest(who, req.method, req.path, JSON.stringify(body ?? null));
  const now = new Date();
  const fresh = { _id, updateId: `req-${newId()}`, at: now };
  try {
    await store.actionRequests.create(fresh);
    return fresh.updateId;
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
  }
  const earlier = await store.actionRequests.findById(_id).lean();
  if (earlier && now.getTime() - earlier.at.getTime() < RETRY_WINDOW_MS) return earlier.updateId;
  // The same words long after: a new action. Replace the stale row, unless a concurrent retry did.
  await store.actionRequests.updateOne({ _id, updateId: earlier?.updateId }, { $set: { updateId: fresh.updateId, at: now } }, { upsert: false });
  const standing = await store.actionRequests.findById(_id).lean();
  return standing?.updateId ?? fresh.updateId;
}

function digest(...parts: string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** The request's `Idempotency-Key` header, if any; 1-200 characters, else a 400. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.header('idempotency-key');
  if (key !== undefined && (key.length < 1 || key.length > 200)) {
    throw badRequest('the Idempotency-Key header is not valid', [{ path: 'Idempotency-Key', reason: 'must be 1-200 characters' }]);
  }
  return key;
}
