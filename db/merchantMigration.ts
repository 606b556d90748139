import type { Model } from 'mongoose';
import { DEFAULT_MERCHANT } from '../domain/merchant';
import type { Store } from './store';

/**
 * Move everything stored before merchants into the merchant `default`: each row that names no
 * merchant is given `default`, products their sku (their _id), and `default` its merchant row. The
 * product already reads a row without a merchant as `default`'s, so this changes no answer; it
 * makes the ownership explicit for the stores and tools that query by merchant. Safe to run again,
 * and beside the API and the workers (it only fills in what is missing).
 */
export async function moveIntoDefault(store: Store): Promise<Record<string, number>> {
  const moved: Record<string, number> = {};
  const owned: [string, Model<any>][] = [
    ['order_access', store.orderAccess],
    ['order_views', store.orderViews],
    ['complaint_views', store.complaintViews],
    ['complaint_queue', store.complaintQueue],
    ['refund_attention', store.refundAttention],
    ['feedback', store.feedback],
    ['report_notes', store.reportNotes],
  ];
  for (const [name, model] of owned) {
    const { modifiedCount } = await model.updateMany({ merchantId: { $exists: false } }, { $set: { merchantId: DEFAULT_MERCHANT } });
    moved[name] = modifiedCount;
  }
  // One product at a time: the sku is the _id, and a catalog is small.
  let products = 0;
  for (const { _id } of await store.products.find({ merchantId: { $exists: false } }, { _id: 1 }).lean()) {
    const { modifiedCount } = await store.products.updateOne({ _id, merchantId: { $exists: false } }, { $set: { merchantId: DEFAULT_MERCHANT, sku: _id } });
    products += modifiedCount;
  }
  moved.products = products;
  const { upsertedCount } = await store.merchants.updateOne(
    { _id: DEFAULT_MERCHANT },
    { $setOnInsert: { name: DEFAULT_MERCHANT, status: 'ACTIVE', contactEmail: { iv: '', tag: '', data: '' } } },
    { upsert: true },
  );
  moved.merchants = upsertedCount;
  return moved;
}
