import type { DeliveredKey } from '../domain/order';
import type { inventoryActivities } from './inventory';
import type { validationActivities } from './validation';

/** A slot of an order, the attempt number of its next key, and the last attempt it is allowed. */
export interface SlotAllowance {
  slot: number;
  attempt: number;
  lastAttempt: number;
}

/** A key that failed its check: marked invalid, never to leave. `reason` is safe for the timeline. */
export interface RefusedKey {
  slot: number;
  keyId: string;
  masked: string;
  reason: string;
}

/**
 * What one reservation with its checks came to. `held`: keys for every slot were reserved at first
 * (the order went on to check them). `refused`: the keys that failed their check, in order.
 */
export type CheckedKeys = { refused: RefusedKey[]; held: boolean } & (
  | { outcome: 'ready'; keys: DeliveredKey[] }
  | { outcome: 'out_of_stock' }
  | { outcome: 'keys_exhausted'; slot: number }
);

/** The steps taking keys is made of. */
type Steps = Pick<ReturnType<typeof inventoryActivities>, 'reserveKeys' | 'reserveKey' | 'markKeyInvalid'> & Pick<ReturnType<typeof validationActivities>, 'checkKey'>;

/**
 * Taking keys for an order whose checks are all ours (no supplier): reserved and checked in one
 * step, so the order waits for one store trip instead of one per reservation, check and mark.
 */
export function fulfilmentActivities(steps: Steps) {
  return {
    /**
     * Keys for every slot, all or none, each checked; a key that fails is marked invalid and its
     * slot takes the next, up to its last attempt. Retried, it finds its own claims and verdicts
     * again: claims are unique per (order, slot, attempt) and our own checks answer alike.
     */
    async reserveCheckedKeys({ orderId, sku, slots }: { orderId: string; sku: string; slots: SlotAllowance[] }): Promise<CheckedKeys> {
      const refused: RefusedKey[] = [];
      const held = await steps.reserveKeys({ orderId, sku, slots: slots.map(({ slot, attempt }) => ({ slot, attempt })) });
      if (!held) return { outcome: 'out_of_stock', refused, held: false };
      for (const [i, { slot, attempt: first, lastAttempt }] of slots.entries()) {
        for (let attempt = first; ; ) {
          const key = held[i];
          const verdict = await steps.checkKey({ orderId, keyId: key.keyId });
          if (verdict.valid) break;
          await steps.markKeyInvalid({ orderId, keyId: key.keyId });
          refused.push({ slot, keyId: key.keyId, masked: key.masked, reason: verdict.reason ?? 'invalid' });
          attempt += 1;
          if (attempt > lastAttempt) return { outcome: 'keys_exhausted', slot, refused, held: true };
          const next = await steps.reserveKey({ orderId, sku, slot, attempt });
          if (!next) return { outcome: 'out_of_stock', refused, held: true };
          held[i] = next;
        }
      }
      return { outcome: 'ready', keys: held, refused, held: true };
    },
  };
}
