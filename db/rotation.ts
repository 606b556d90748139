import { ofStockId, scopedFingerprint } from '../domain/merchant';
import type { Model } from 'mongoose';
import type { Store } from './store';
import type { Sealed, Vault } from './vault';

export interface RotationResult {
  keys: number;
  orderAccess: number;
  idempotency: number;
}

const BATCH = 500;

/**
 * Re-seal every stored secret under the vault's current key, and re-fingerprint every key code
 * under it, so the older keys can then be dropped from KEY_ENCRYPTION_KEYS_OLD. Values already
 * under the current key are left alone: running it again, or beside the API and the workers
 * (which open both old and new values meanwhile), is safe.
 */
export async function rotateKeys(store: Store, vault: Vault, progress: (what: string, n: number) => void = () => undefined): Promise<RotationResult> {
  const keys = await reseal(store.keys, 'code', vault, (doc, plain) => ({ fingerprint: scopedFingerprint(ofStockId(doc.sku).merchantId, vault.fingerprint(plain)) }), (n) => progress('keys', n));
  const orderAccess = await reseal(store.orderAccess, 'email', vault, (doc, plain) => ({ emailHash: vault.lookupHash(plain) }), (n) => progress('order_access', n), async (doc, set) => {
    // The order list finds orders by the same hash.
    await store.orderViews.updateOne({ _id: doc._id }, { $set: { emailHash: set.emailHash } });
  });
  const idempotency = await reseal(store.idempotency, 'token', vault, () => ({}), (n) => progress('idempotency', n));
  return { keys, orderAccess, idempotency };
}

/** Re-seal `field` of every document sealed under another key (or before key ids), by _id order. */
async function reseal<T extends { _id: string }>(
  model: Model<T>,
  field: string,
  vault: Vault,
  alsoSet: (doc: T, plain: string) => Record<string, unknown>,
  progress: (n: number) => void,
  afterwards: (doc: T, set: Record<string, unknown>) => Promise<void> = async () => undefined,
): Promise<number> {
  const stale = { $or: [{ [`${field}.kid`]: { $ne: vault.kid } }, { [`${field}.salt`]: { $exists: false } }] };
  let after = '';
  let done = 0;
  for (;;) {
    const docs = (await model
      .find({ ...stale, _id: { $gt: after } } as never)
      .sort({ _id: 1 })
      .limit(BATCH)
      .lean()) as unknown as T[];
    if (docs.length === 0) return done;
    for (const doc of docs) {
      const sealed = (doc as unknown as Record<string, Sealed>)[field];
      if (vault.isStale(sealed)) {
        const plain = vault.open(sealed);
        const set = alsoSet(doc, plain);
        await model.updateOne({ _id: doc._id } as never, { $set: { [field]: vault.seal(plain), ...set } } as never);
        await afterwards(doc, set);
        done += 1;
      }
      after = doc._id;
    }
    progress(done);
  }
}
