import { DEFAULT_MERCHANT } from '../domain/merchant';
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { isDuplicateKeyError, type Store } from '../db/store';
import { callerOf } from './auth';
import { badRequest, HttpError } from './errors';

/**
 * Carry out a human action (a refund request or decision, a cancel, a complaint filed, acted on,
 * replied to or confirmed), deduplicated by its `Idempotency-Key` header and by nothing else.
 *
 * Without the header the action is judged afresh against the state at that moment, however like an
 * earlier one it looks: a buyer unsatisfied with two resolutions means it twice, and an action on a
 * complaint that has closed since is refused.
 *
 * With it, the first request under a key (per caller and route) writes a row in `action_requests`
 * with its body's hash before it acts, and its outcome after: a 2xx answer, or a refusal (a 4xx
 * from the action). A request with the same key and body is answered by that outcome and changes
 * nothing; with another body it is refused with 409 `idempotency_key_reused`. The action runs under
 * a Temporal update id that follows from the key, so copies racing each other, or a retry after a
 * crash between acting and writing the outcome, are applied once by the workflow and share its
 * answer. A failure of ours (5xx) writes no outcome: the retry acts again, under the same update id.
 */
export async function asAction<T>(store: Store, req: Request, body: unknown, act: (updateId: string | undefined) => Promise<T>): Promise<T> {
  const key = idempotencyKeyOf(req);
  if (key === undefined) return act(undefined);
  const caller = callerOf(req);
  // Key names are a merchant's own; `default`'s callers keep the form they had before merchants.
  const who = caller.kind === 'staff' ? `staff:${caller.merchantId === DEFAULT_MERCHANT ? '' : `${caller.merchantId}/`}${caller.role}:${caller.name}` : `buyer:${caller.orderId}`;
  // The same update id as the release before gave a keyed action, so a retry across the upgrade is still one action.
  const _id = digest(who, req.method, req.path, key);
  const bodyHash = digest(JSON.stringify(body ?? null));

  const row = await firstRequestUnder(store, _id, bodyHash);
  if (row.bodyHash !== bodyHash) {
    throw new HttpError(409, 'idempotency_key_reused', 'this Idempotency-Key was used on this route with another body; send a new key for a new action', [
      { path: 'Idempotency-Key', reason: 'was used with another body' },
    ]);
  }
  if (row.outcome !== undefined) return replay<T>(row.outcome);

  let outcome: Outcome;
  try {
    const value = await act(`key-${_id}`);
    outcome = { value };
  } catch (err) {
    if (!(err instanceof HttpError) || err.status >= 500) throw err;
    outcome = { error: { status: err.status, code: err.code, message: err.message, details: err.details, extra: err.extra } };
  }
  // A copy that raced this one may have written its outcome first: the first written stands.
  const written = await store.actionRequests.updateOne({ _id, outcome: { $exists: false } }, { $set: { outcome: JSON.stringify(outcome) } });
  const stored = written.modifiedCount === 1 ? JSON.stringify(outcome) : ((await store.actionRequests.findById(_id).lean())?.outcome ?? JSON.stringify(outcome));
  return replay<T>(stored);
}

type Outcome = { value: unknown } | { error: { status: number; code: string; message: string; details: HttpError['details']; extra: HttpError['extra'] } };

/** The row of the first request under this key, written now if this is it. */
async function firstRequestUnder(store: Store, _id: string, bodyHash: string): Promise<{ bodyHash: string; outcome?: string }> {
  const rows = store.actionRequests;
  try {
    const row = await rows.findOneAndUpdate({ _id }, { $setOnInsert: { bodyHash, at: new Date() } }, { upsert: true, returnDocument: 'after' }).lean();
    if (row) return row;
  } catch (err) {
    // Two first requests raced to insert: the other one's row stands.
    if (!isDuplicateKeyError(err)) throw err;
  }
  const row = await rows.findById(_id).lean();
  if (!row) throw new Error(`action request ${_id} vanished as it was written`);
  return row;
}

function replay<T>(stored: string): T {
  const outcome = JSON.parse(stored) as Outcome;
  if (!('error' in outcome)) return outcome.value as T;
  const { status, code, message, details, extra } = outcome.error;
  throw new HttpError(status, code, message, details, extra);
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
