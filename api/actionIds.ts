import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { isDuplicateKeyError, type Store } from '../db/store';
import { newId } from '../db/vault';
import { callerOf } from './auth';
import { badRequest, HttpError } from './errors';

/** How long a request without an Idempotency-Key counts as a retry of the same one before it. */
export const RETRY_WINDOW_MS = 10 * 60_000;

/**
 * Carry out a human action under a Temporal update id, so an HTTP retry of it is harmless: the
 * workflow applies an update id once and answers a repeat with the first outcome.
 *
 * With an `Idempotency-Key` header the id follows from the key (per caller and route), for as long
 * as the order or complaint lives. Without one, the same caller sending the same body to the same
 * route within RETRY_WINDOW_MS is taken for a retry; later, the same words are a new action (a
 * buyer who is unsatisfied twice, on two resolutions, means it twice). That needs a row in
 * `action_requests`, written before the action so two copies racing get one id; an action refused
 * (a 4xx: the workflow said no, or there is no such order) changed nothing, so its row is taken back.
 */
export async function asAction<T>(store: Store, req: Request, body: unknown, act: (updateId: string) => Promise<T>): Promise<T> {
  const taken = await actionId(store, req, body);
  let result: T;
  try {
    result = await act(taken.updateId);
  } catch (err) {
    if (err instanceof HttpError && err.status < 500) await taken.takeBack();
    throw err;
  }
  await taken.keep();
  return result;
}

interface TakenId {
  updateId: string;
  /** Undo what taking the id wrote (the action was refused). */
  takeBack(): Promise<void>;
  /** The action was applied: its row stands (a copy of it that was refused may have taken it back). */
  keep(): Promise<void>;
}

const NOTHING = async () => undefined;

async function actionId(store: Store, req: Request, body: unknown): Promise<TakenId> {
  const caller = callerOf(req);
  const who = caller.kind === 'staff' ? `staff:${caller.role}:${caller.name}` : `buyer:${caller.orderId}`;
  const key = idempotencyKeyOf(req);
  if (key !== undefined) return { updateId: `key-${digest(who, req.method, req.path, key)}`, takeBack: NOTHING, keep: NOTHING };
  const _id = digest(who, req.method, req.path, JSON.stringify(body ?? null));
  const rows = store.actionRequests;
  const keep = (updateId: string, at: Date) => async () => {
    await rows.updateOne({ _id }, { $setOnInsert: { updateId, at } }, { upsert: true }).catch((err: unknown) => {
      if (!isDuplicateKeyError(err)) throw err;
    });
  };
  // Each turn either settles the id or finds that a concurrent request moved the row first.
  for (let turn = 0; turn < 5; turn++) {
    const now = new Date();
    const fresh = { _id, updateId: `req-${newId()}`, at: now };
    try {
      await rows.create(fresh);
      return { updateId: fresh.updateId, takeBack: async () => void (await rows.deleteOne({ _id, updateId: fresh.updateId })), keep: keep(fresh.updateId, now) };
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
    const earlier = await rows.findById(_id).lean();
    if (!earlier) continue; // taken back or expired meanwhile
    if (now.getTime() - earlier.at.getTime() < RETRY_WINDOW_MS) return { updateId: earlier.updateId, takeBack: NOTHING, keep: keep(earlier.updateId, earlier.at) };
    // The same words long after: a new action. Replace the stale row, unless a concurrent request did.
    const replaced = await rows.updateOne({ _id, updateId: earlier.updateId }, { $set: { updateId: fresh.updateId, at: now } });
    if (replaced.modifiedCount === 1) {
      const takeBack = async () => void (await rows.updateOne({ _id, updateId: fresh.updateId }, { $set: { updateId: earlier.updateId, at: earlier.at } }));
      return { updateId: fresh.updateId, takeBack, keep: keep(fresh.updateId, now) };
    }
  }
  throw new Error(`action request ${_id} kept changing under this request`);
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
