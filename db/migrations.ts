import { couponsIntoDefault } from './couponMigration';
import { flagNotedOrders } from './orderNotes';
import type { Store } from './store';

/*
 * Data written by an earlier release, brought to the shape this one reads, once per store. Each step
 * is idempotent (the API and the worker may run it at the same start) and marked done in
 * `migrations` so a start does not look again.
 */

interface MigrationDoc {
  _id: string;
  at: Date;
}

/** Keys imported before the `freeOf` hint carried `claimed: boolean`; free ones get their sku as `freeOf`. */
async function keysFreeOf(store: Store): Promise<void> {
  const keys = store.keys.collection;
  for (const sku of await keys.distinct('sku', { claimed: { $exists: true } })) {
    await keys.updateMany({ sku, claimed: false }, { $set: { freeOf: sku }, $unset: { claimed: '' } });
    await keys.updateMany({ sku, claimed: { $exists: true } }, { $unset: { claimed: '' } });
  }
}

const STEPS: [string, (store: Store) => Promise<unknown>][] = [
  ['keys-free-of', keysFreeOf],
  ['order-late-notes', flagNotedOrders],
  ['coupons-per-merchant', couponsIntoDefault],
];

export async function migrate(store: Store): Promise<void> {
  const done = store.connection.collection<MigrationDoc>('migrations');
  for (const [id, step] of STEPS) {
    if (await done.findOne({ _id: id })) continue;
    await step(store);
    await done.updateOne({ _id: id }, { $set: { at: new Date() } }, { upsert: true });
  }
}
