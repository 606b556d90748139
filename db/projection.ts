import type { QueryFilter, Model } from 'mongoose';
import { listingOf, WORKING_ORDER_STATUSES, type OrderListing, type OrderView } from '../domain/order';
import { merchantOr } from '../domain/merchant';
import type { OrderViewDoc } from './schemas';
import { isDuplicateKeyError, type Store } from './store';

/**
 * Write a read-model row unless a newer one is already there, and answer the row that stands.
 * Callers that keep something in step with the row take it from here rather than read it again.
 * `seq` only grows with each step of the one workflow that writes the row; a retried or late older
 * projection must never overwrite a newer one, also while both are in flight at once. So the write
 * is one conditional upsert, `{_id, seq: {$lt: seq}}`: it changes the row only if it is older, and
 * when a row at least as new stands the upsert's insert collides on _id instead (a unique index),
 * which is how we learn that ours lost. MongoDB applies it atomically per document, and so does the
 * product's patched FerretDB; nothing is read first that could be stale by the time we write.
 */
export async function projectNewer<T extends { _id: string; seq: number }>(model: Model<T>, row: T): Promise<T> {
  const { _id, ...fields } = row;
  for (;;) {
    try {
      await model.updateOne({ _id, seq: { $lt: row.seq } } as never, { $set: fields } as never, { upsert: true });
      return row;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
    const standing = (await model.findById(_id).lean()) as T | null;
    // Only a row at least as new makes the upsert collide; none (deleted meanwhile) means try again.
    if (standing && standing.seq >= row.seq) return standing;
  }
}

/** Orders counted by merchant and the status their read model shows, for the metrics. */
export async function ordersByStatus(store: Store): Promise<{ merchantId: string; status: string; orders: number }[]> {
  const rows = await store.orderViews.aggregate<{ _id: { merchantId?: string | null; status: string }; n: number }>([{ $group: { _id: { merchantId: '$merchantId', status: '$status' }, n: { $sum: 1 } } }]);
  return rows.map((r) => ({ merchantId: merchantOr(r._id.merchantId ?? undefined), status: r._id.status, orders: r.n }));
}

/** Orders sitting in a working status since before `before` (the {status, statusSince} index). */
export function sittingSince(before: Date): QueryFilter<OrderViewDoc> {
  return { status: { $in: [...WORKING_ORDER_STATUSES] }, statusSince: { $lt: before } };
}

/** An order's read-model row at one of its steps: what lists filter by, and the view as it stands. */
export function orderViewRow(seq: number, view: OrderView, statusSince: string, listing: Partial<OrderListing>): OrderViewDoc {
  return {
    _id: view.orderId,
    seq,
    sku: view.sku,
    status: view.status,
    statusSince: new Date(statusSince),
    createdAt: new Date(view.createdAt),
    paidAt: view.paidAt ? new Date(view.paidAt) : undefined,
    deliveredAt: view.deliveredAt ? new Date(view.deliveredAt) : undefined,
    refundedAt: view.refund?.refundedAt ? new Date(view.refund.refundedAt) : undefined,
    paymentId: view.paymentId,
    paidMinute: view.paidAt ? minuteOf(view.paidAt) : undefined,
    deliveredMinute: view.deliveredAt ? minuteOf(view.deliveredAt) : undefined,
    needsAttention: view.attention?.reason ?? null,
    ...(listing.storefront ? listingOf(listing as OrderListing) : {}),
    view,
  };
}

/** The UTC minute of an instant, as the rows' `paidMinute` and `deliveredMinute` hold it. */
export function minuteOf(at: string | Date): string {
  return (typeof at === 'string' ? new Date(at) : at).toISOString().slice(0, 16);
}

/**
 * Every minute from `from`'s to one past `to`'s (a writer's clock a little ahead of the reader's
 * still falls inside), as `minuteOf` names them: what a look at the last few minutes asks for.
 */
export function minutesBetween(from: string, to: string): string[] {
  const minutes: string[] = [];
  const last = Math.floor(Date.parse(to) / 60_000) + 1;
  for (let m = Math.floor(Date.parse(from) / 60_000); m <= last; m++) minutes.push(minuteOf(new Date(m * 60_000)));
  return minutes;
}
