import { freeKeysUpTo, releaseReserved, stockOf } from '../db/inventory';
import type { ClaimState } from '../db/schemas';
import { isDuplicateKeyError } from '../db/store';
import type { DeliveredKey } from '../domain/order';
import type { ActivityDeps } from './deps';

export interface SlotClaim {
  orderId: string;
  sku: string;
  slot: number;
  attempt: number;
}

/** How many unclaimed keys one reservation looks at; others racing for stock spread over them. */
const CANDIDATES = 16;

/** A slot of an order and the attempt number of the key it is taking. */
export interface SlotAttempt {
  slot: number;
  attempt: number;
}

/**
 * When an order cannot have keys for all its slots while other orders hold reserved keys of the sku
 * (mid-reservation, or keys being checked), it looks again this many times, a short random pause
 * apart, before it calls the sku out of stock: those keys may be back in a moment.
 */
const BUSY_RETRIES = 8;
const BUSY_PAUSE_MS = [50, 250] as const;

export function inventoryActivities({ store }: ActivityDeps) {
  return {
    /**
     * Take one available key for an order's slot, or null when none is left. The claim's insert is
     * the arbiter: its _id is the key's id (a key is claimed once) and (order, slot, attempt) is
     * unique (a retried activity finds its own claim instead of taking a second key).
     */
    reserveKey: reserveOne,

    /**
     * Keys for several slots of one order, all or none. An order that cannot have them all gives back
     * at once what it took, so it never holds keys another order could use while it waits for stock;
     * and while other orders hold reserved keys that may come back, it looks again before answering
     * null (out of stock).
     */
    /**
     * How many keys of a product no order holds, counted no further than `upTo` (an order asks
     * whether there are enough for it): a cheap look before trying to reserve.
     */
    async countAvailableKeys({ sku, upTo }: { sku: string; upTo?: number }): Promise<number> {
      if (upTo === undefined) return (await stockOf(store, sku)).available;
      const hinted = await freeKeysUpTo(store, sku, upTo);
      if (hinted >= upTo) return hinted;
      // The hint may hide a free key (see unhideFreeKeys), and an order waiting for stock that
      // trusted it would wait its whole RESTOCK_WAIT: it asks the claims before it waits on.
      return (await unhideFreeKeys(sku)) ? freeKeysUpTo(store, sku, upTo) : hinted;
    },

    async reserveKeys({ orderId, sku, slots }: { orderId: string; sku: string; slots: SlotAttempt[] }): Promise<DeliveredKey[] | null> {
      for (let round = 0; ; round++) {
        const taken: DeliveredKey[] = [];
        for (const { slot, attempt } of slots) {
          const key = await reserveOne({ orderId, sku, slot, attempt });
          if (!key) break;
          taken.push(key);
        }
        if (taken.length === slots.length) return taken;
        await release(orderId, sku, taken.map((k) => k.keyId));
        const othersHolding = await store.claims.countDocuments({ sku, state: 'reserved', orderId: { $ne: orderId } });
        if (othersHolding === 0 || round >= BUSY_RETRIES) return null;
        const [least, most] = BUSY_PAUSE_MS;
        await new Promise((resolve) => setTimeout(resolve, least + Math.random() * (most - least)));
      }
    },

    /** Give back every key an order holds but has not received. */
    async releaseReservedKeys({ orderId }: { orderId: string }): Promise<number> {
      const held = await store.claims.find({ orderId, state: 'reserved' }).lean();
      for (const claim of held) await release(orderId, claim.sku, [claim._id]);
      return held.length;
    },

    async markKeyInvalid({ orderId, keyId }: { orderId: string; keyId: string }): Promise<void> {
      await setClaimState(orderId, [keyId], ['reserved', 'delivered', 'invalid'], 'invalid');
    },

    async markKeysDelivered({ orderId, keyIds }: { orderId: string; keyIds: string[] }): Promise<void> {
      await setClaimState(orderId, keyIds, ['reserved', 'delivered'], 'delivered');
    },

    /** After a refund the buyer no longer owns the keys; they are not sold again either. */
    async revokeKeys({ orderId, keyIds }: { orderId: string; keyIds: string[] }): Promise<void> {
      await setClaimState(orderId, keyIds, ['delivered', 'revoked'], 'revoked');
    },
  };

  async function reserveOne(claim: SlotClaim): Promise<DeliveredKey | null> {
    const { orderId, sku, slot, attempt } = claim;
    const mine = async (): Promise<DeliveredKey | null> => {
      const held = await store.claims.findOne({ orderId, slot, attempt }).lean();
      if (!held) return null;
      const key = await store.keys.findById(held._id).lean();
      return { keyId: held._id, masked: key?.masked ?? '****' };
    };
    // Whether this slot's claim may already exist (a retried attempt took it). Not asked up front:
    // the (order, slot, attempt) index refuses a second claim, and that collision sends us to look.
    let mayHoldOne = false;
    for (;;) {
      const held = mayHoldOne ? await mine() : null;
      if (held) return held;
      // No sort: the index on freeOf gives free keys of the sku in import order on MongoDB and on
      // the embedded store alike, and a sort would make the embedded store read them all.
      const candidates = await store.keys.find({ freeOf: sku }).limit(CANDIDATES).lean();
      if (candidates.length === 0) {
        if (await unhideFreeKeys(sku)) continue;
        return mine(); // the last key may be the one an earlier attempt took for this slot
      }
      // Start at a random place so concurrent orders don't all collide on the oldest key.
      const offset = Math.floor(Math.random() * candidates.length);
      for (let i = 0; i < candidates.length; i++) {
        const key = candidates[(offset + i) % candidates.length];
        const now = new Date();
        try {
          await store.claims.create({ _id: key._id, sku, orderId, slot, attempt, state: 'reserved', claimedAt: now, updatedAt: now });
        } catch (err) {
          if (!isDuplicateKeyError(err)) throw err;
          // Someone holds this key (or our own retry claimed this slot): mark the hint, look again.
          await store.keys.updateOne({ _id: key._id }, { $unset: { freeOf: 1 } });
          mayHoldOne = true;
          if (await store.claims.exists({ orderId, slot, attempt })) break;
          continue;
        }
        await store.keys.updateOne({ _id: key._id }, { $unset: { freeOf: 1 } });
        return { keyId: key._id, masked: key.masked };
      }
    }
  }

  function release(orderId: string, sku: string, keyIds: string[]): Promise<void> {
    return releaseReserved(store, orderId, sku, keyIds);
  }

  /**
   * The `freeOf` hint may lie the other way too: a reservation that collides with a claim being
   * released clears the hint just before the claim goes. So before answering "none left", count
   * against the claims (the truth), and put the hint back on any free key it hides. Only an order
   * that found no free key comes here.
   */
  async function unhideFreeKeys(sku: string): Promise<boolean> {
    const [imported, claimed] = await Promise.all([store.keys.countDocuments({ sku }), store.claims.countDocuments({ sku })]);
    if (imported <= claimed) return false;
    const marked = (await store.keys.find({ sku, freeOf: { $exists: false } }, { _id: 1 }).lean()).map((k) => k._id);
    const held = new Set<string>();
    for (let i = 0; i < marked.length; i += 500) {
      for (const c of await store.claims.find({ _id: { $in: marked.slice(i, i + 500) } }, { _id: 1 }).lean()) held.add(c._id);
    }
    const hidden = marked.filter((id) => !held.has(id));
    for (const id of hidden) await store.keys.updateOne({ _id: id }, { $set: { freeOf: sku } });
    return hidden.length > 0;
  }

  async function setClaimState(
    orderId: string,
    keyIds: string[],
    from: ClaimState[],
    to: 'delivered' | 'revoked' | 'invalid',
  ): Promise<void> {
    for (const keyId of keyIds) {
      // One conditional write (atomic on MongoDB and the patched embedded store); only when it
      // changes nothing is the claim read, to tell "already so" from a claim that is not ours.
      const moved = await store.claims.updateOne({ _id: keyId, orderId, state: { $in: from.filter((s) => s !== to) } }, { $set: { state: to, updatedAt: new Date() } });
      if (moved.matchedCount === 1) continue;
      const claim = await store.claims.findOne({ _id: keyId }).lean();
      if (!claim || claim.orderId !== orderId) {
        throw new Error(`key ${keyId} is not held by order ${orderId}`);
      }
      if (claim.state === to) continue;
      throw new Error(`key ${keyId} is ${claim.state}; it cannot become ${to}`);
    }
  }
}
