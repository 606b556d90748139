import { ActivityFailure, ApplicationFailure, CancellationScope, condition, isCancellation } from '@temporalio/workflow';
import { stockOfOrder, type DeliveredKey, type OrderInput } from '../../domain/order';
import type { KeyAttempts, KeysResult, RefusedKey } from '../../domain/orderLife';
import { localChecks, store, supplier } from '../activities';

export interface KeysTaken {
  result: KeysResult;
  refused: RefusedKey[];
  attempts: KeyAttempts;
}

/**
 * Reserve a checked key for every slot of the order, or say why not. A key that fails its check is
 * marked invalid and never leaves; its slot takes another, up to the attempt limit. Attempts count
 * for the whole order; a replacement (after a complaint) gets a fresh allowance but keeps counting,
 * so every claim of the order has its own number.
 *
 * Without a supplier, our own checks run in the same local step as the reservation. With one, the
 * supplier is asked through the task queue (it may be down for hours): `held` says the keys are
 * reserved and being checked, and `stop` cuts the wait short when the order no longer wants them;
 * the keys held are then left for the order to release.
 */
export async function takeKeys(input: OrderInput, before: KeyAttempts, purpose: 'first' | 'replacement', held: () => void, stop: () => boolean): Promise<KeysTaken> {
  const attempts: KeyAttempts = { attempts: [...before.attempts], allowanceFrom: [...before.allowanceFrom] };
  if (purpose === 'replacement') {
    for (let slot = 0; slot < attempts.attempts.length; slot++) {
      attempts.attempts[slot] += 1; // the delivered key's own number stays used
      attempts.allowanceFrom[slot] = attempts.attempts[slot];
    }
  }
  const refused: RefusedKey[] = [];
  const lastAttempt = (slot: number) => attempts.allowanceFrom[slot] + input.policy.maxKeyAttempts;
  const spent = attempts.attempts.findIndex((attempt, slot) => attempt >= lastAttempt(slot));
  if (spent >= 0) return { result: { outcome: 'keys_exhausted', slot: spent }, refused, attempts };
  try {
    const result = input.supplierCheck === false ? await reserveChecked(input, attempts, refused, lastAttempt) : await reserveAndAskSupplier(input, attempts, refused, lastAttempt, held, stop);
    return { result, refused, attempts };
  } catch (err) {
    const reason = permanentFailure(err);
    if (reason === undefined) throw err;
    return { result: { outcome: 'failed', reason }, refused, attempts };
  }
}

/** Our own checks: keys reserved and checked in one local step; what it refused is counted here. */
async function reserveChecked(input: OrderInput, attempts: KeyAttempts, refused: RefusedKey[], lastAttempt: (slot: number) => number): Promise<KeysResult> {
  const slots = attempts.attempts.map((attempt, slot) => ({ slot, attempt: attempt + 1, lastAttempt: lastAttempt(slot) }));
  const step = await localChecks.reserveCheckedKeys({ orderId: input.orderId, sku: stockOfOrder(input), slots });
  for (const key of step.refused) {
    attempts.attempts[key.slot] += 1;
    refused.push(key);
  }
  if (step.outcome === 'ready') return { outcome: 'ready', keys: step.keys };
  return step.outcome === 'keys_exhausted' ? { outcome: 'keys_exhausted', slot: step.slot } : { outcome: 'out_of_stock' };
}

/** All slots reserved first (all or none: a stock-out holds nothing), then each key asked of the supplier. */
async function reserveAndAskSupplier(
  input: OrderInput,
  attempts: KeyAttempts,
  refused: RefusedKey[],
  lastAttempt: (slot: number) => number,
  held: () => void,
  stop: () => boolean,
): Promise<KeysResult> {
  const { orderId } = input;
  const sku = stockOfOrder(input);
  const keys = await store.reserveKeys({ orderId, sku, slots: attempts.attempts.map((attempt, slot) => ({ slot, attempt: attempt + 1 })) });
  if (!keys) return { outcome: 'out_of_stock' };
  held();
  for (let slot = 0; slot < keys.length; slot++) {
    for (;;) {
      const key = keys[slot];
      const verdict = await askSupplier(orderId, key, stop);
      if (verdict === 'stopped') return { outcome: 'stopped' };
      if (verdict.valid) break;
      attempts.attempts[slot] += 1;
      await store.markKeyInvalid({ orderId, keyId: key.keyId });
      refused.push({ slot, keyId: key.keyId, masked: key.masked, reason: verdict.reason ?? 'invalid' });
      if (attempts.attempts[slot] >= lastAttempt(slot)) return { outcome: 'keys_exhausted', slot };
      const next = await store.reserveKey({ orderId, sku, slot, attempt: attempts.attempts[slot] + 1 });
      if (!next) return { outcome: 'out_of_stock' };
      keys[slot] = next;
    }
  }
  return { outcome: 'ready', keys };
}

/** The supplier's verdict on a key, unless the order stops wanting it first (checkKey only reads). */
async function askSupplier(orderId: string, key: DeliveredKey, stop: () => boolean): Promise<{ valid: boolean; reason?: string } | 'stopped'> {
  if (stop()) return 'stopped';
  const scope = new CancellationScope();
  let settled = false;
  const checking = scope.run(() => supplier.checkKey({ orderId, keyId: key.keyId })).finally(() => (settled = true));
  await condition(() => settled || stop());
  if (settled) return checking;
  scope.cancel();
  await checking.catch((err: unknown) => {
    if (!isCancellation(err)) throw err;
  });
  return 'stopped';
}

/**
 * Why a step gave up for good (non-retryable: a key taken from under the order, a product deleted),
 * or undefined for anything else, which is a bug and fails the workflow task to be fixed and retried.
 */
function permanentFailure(err: unknown): string | undefined {
  // A local activity's final failure comes as its own error, not wrapped as an activity's is.
  if (err instanceof ApplicationFailure && err.nonRetryable) return `checkKey gave up: ${err.message}`;
  if (err instanceof ActivityFailure) return `${err.activityType} gave up: ${err.cause?.message ?? err.message}`;
  return undefined;
}
