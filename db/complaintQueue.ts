/**
 * The agents' queue: the complaints that still need someone, oldest due first. complaint_queue
 * holds a row for each complaint until it is CLOSED, kept in step with complaint_views, which stays
 * the authority on every complaint.
 */
import type { QueryFilter, Model } from 'mongoose';
import { COMPLAINT_STATUSES, waitingOn, type ComplaintCategory, type ComplaintChannel, type ComplaintStatus, type ComplaintView, type WaitingOn } from '../domain/complaint';
import type { Money } from '../domain/money';
import type { OrderStatus } from '../domain/order';
import { complaintViewOf, type ComplaintQueueDoc, type ComplaintViewDoc } from './schemas';
import { DEFAULT_MERCHANT, merchantOr } from '../domain/merchant';
import { inMerchant } from './merchants';
import { isDuplicateKeyError, onlyDuplicateKeyErrors, type Store } from './store';

/** Where a page of the queue ends: the next one starts after this (dueAt, _id). */
export interface QueuePlace {
  dueAt: Date;
  id: string;
}

export interface QueueQuery {
  /** The merchant whose complaints are listed (`default` when not named). */
  merchantId?: string;
  /** Without it, every complaint but the CLOSED ones. */
  status?: ComplaintStatus;
  category?: ComplaintCategory;
  channel?: ComplaintChannel;
  sku?: string;
  limit: number;
  after?: QueuePlace;
}

/** A complaint as the agents' queue lists it: its view, its order's status and amount, and whose turn it is. */
export type QueueItem = ComplaintView & { orderStatus: OrderStatus | null; amount: Money | null; waitingOn: WaitingOn | null };

export interface QueuePage {
  items: QueueItem[];
  next: QueuePlace | null;
}

/** A page of the queue, or of the closed complaints when asked for by status. */
export async function complaintQueuePage(store: Store, { merchantId = DEFAULT_MERCHANT, status, category, channel, sku, limit, after }: QueueQuery): Promise<QueuePage> {
  const filter: QueryFilter<ComplaintQueueDoc> = inMerchant<ComplaintQueueDoc>(merchantId);
  if (status) filter.status = status;
  if (category) filter.category = category;
  // Rows projected before channels name none: those were the buyer's own.
  if (channel) filter.channel = channel === 'web' ? { $in: ['web', null] } : channel;
  if (sku) filter.sku = sku;
  if (after) filter.$or = [{ dueAt: { $gt: after.dueAt } }, { dueAt: after.dueAt, _id: { $gt: after.id } }];
  // One more than asked tells whether another page follows. Closed complaints have left the queue,
  // so they are listed from the read model itself: a scan of every complaint on FerretDB, the
  // {status, dueAt, _id} index on MongoDB.
  const rows = await (status === 'CLOSED'
    ? oldestDueFirst(store.complaintViews, filter, limit + 1)
    : oldestDueFirst(store.complaintQueue, filter, limit + 1));
  const last = rows[limit - 1];
  return { items: await withOrders(store, rows.slice(0, limit).map(complaintViewOf)), next: rows.length > limit ? { dueAt: last.dueAt, id: last._id } : null };
}

/**
 * What an agent needs beside each complaint to pick one up without another request: its order's
 * status and amount (from the order read model, one read for the page) and whose turn it is.
 * An order not projected yet shows null rather than a guess.
 */
async function withOrders(store: Store, views: ComplaintView[]): Promise<QueueItem[]> {
  const ids = [...new Set(views.map((v) => v.orderId))];
  const orders = ids.length === 0 ? [] : await store.orderViews.find({ _id: { $in: ids } }).select({ status: 1, 'view.amount': 1 }).lean();
  const byId = new Map(orders.map((o) => [o._id, o]));
  return views.map((view) => {
    const order = byId.get(view.orderId);
    return { ...view, channel: view.channel ?? 'web', orderStatus: order?.status ?? null, amount: order?.view?.amount ?? null, waitingOn: waitingOn(view.status) };
  });
}

function oldestDueFirst<T extends ComplaintQueueDoc>(model: Model<T>, filter: QueryFilter<ComplaintQueueDoc>, n: number): Promise<T[]> {
  return model.find(filter as QueryFilter<T>).sort({ dueAt: 1, _id: 1 }).limit(n).lean<T[]>().exec();
}

/** A complaint's queue row, as its read-model row says. */
export function queueEntryOf({ _id, seq, status, category, channel, sku, merchantId, dueAt, view }: ComplaintViewDoc): ComplaintQueueDoc {
  return { _id, seq, status, category, ...(channel ? { channel } : {}), sku, ...(merchantId ? { merchantId } : {}), dueAt, view };
}

/**
 * Put a complaint's queue row in step with its read-model row as it stands after a projection
 * (projectNewer's answer): gone once CLOSED, else a copy. Projections of one complaint may finish
 * out of order (a handler's step beside the main flow's, a retried attempt), so each write is one
 * conditional statement that only a newer step passes: an older one never takes a row back.
 * A closed complaint has no row left to compare with, so a late older step that finds none and
 * inserts one looks at the complaint itself afterwards, and takes the row out again if it has
 * closed: CLOSED is final, and the close writes complaint_views before it deletes its row.
 */
export async function syncQueueEntry(store: Store, current: ComplaintViewDoc): Promise<void> {
  const { _id, seq } = current;
  if (current.status === 'CLOSED') {
    await store.complaintQueue.deleteOne({ _id });
    return;
  }
  const { _id: _, ...fields } = queueEntryOf(current);
  let inserted: boolean;
  try {
    const written = await store.complaintQueue.updateOne({ _id, seq: { $lt: seq } }, { $set: fields }, { upsert: true });
    inserted = written.upsertedCount > 0;
  } catch (err) {
    // The row is there with this step or a newer one: the filter missed it, so the upsert tried to add a second.
    if (isDuplicateKeyError(err)) return;
    throw err;
  }
  if (inserted && (await store.complaintViews.findById(_id).select('status').lean())?.status === 'CLOSED') {
    await store.complaintQueue.deleteOne({ _id });
  }
}

/**
 * Give every complaint projected before the queue existed its row. Safe to run again, and beside
 * the workers: it only adds rows that are missing, so a row a projection wrote stands, and it
 * then takes out any complaint closed while it ran. Whole collections at a time, since FerretDB
 * reads a whole collection for almost any query, even one by _id.
 */
export async function backfillComplaintQueue(store: Store): Promise<number> {
  const live = await store.complaintViews.find({ status: { $ne: 'CLOSED' } }).lean();
  for (let i = 0; i < live.length; i += 1_000) {
    await store.complaintQueue.insertMany(live.slice(i, i + 1_000).map(queueEntryOf), { ordered: false }).catch((err: unknown) => {
      if (!onlyDuplicateKeyErrors(err)) throw err;
    });
  }
  // A complaint closed while this ran may have been copied after its projection took its row out.
  const queued = new Set((await store.complaintQueue.find().select('_id').lean()).map((row) => row._id));
  for await (const { _id } of store.complaintViews.find({ status: 'CLOSED' }).select('_id').lean().cursor()) {
    if (queued.has(_id)) await store.complaintQueue.deleteOne({ _id });
  }
  return live.length;
}

/** The queue's depth by merchant and status, for the metrics (the queue holds only complaints not yet closed). */
export async function complaintsByStatus(store: Store): Promise<{ merchantId: string; status: string; complaints: number }[]> {
  const rows = await store.complaintQueue.aggregate<{ _id: { merchantId?: string | null; status: string }; n: number }>([{ $group: { _id: { merchantId: '$merchantId', status: '$status' }, n: { $sum: 1 } } }]);
  return rows.map((r) => ({ merchantId: merchantOr(r._id.merchantId ?? undefined), status: r._id.status, complaints: r.n }));
}

/**
 * Complaints not yet closed that missed a deadline, by merchant, for the metrics. The read model
 * records a breach as `…OnTime: false` (the complaint workflow escalates it at that moment).
 */
export async function complaintsPastDeadline(store: Store): Promise<{ merchantId: string; sla: 'first_response' | 'resolution'; complaints: number }[]> {
  const open = { status: { $in: COMPLAINT_STATUSES.filter((s) => s !== 'CLOSED') } };
  const missed = async (sla: 'first_response' | 'resolution', field: 'firstResponseOnTime' | 'resolutionOnTime') => {
    const rows = await store.complaintViews.aggregate<{ _id: string | null; n: number }>([{ $match: { ...open, [field]: false } }, { $group: { _id: '$merchantId', n: { $sum: 1 } } }]);
    return rows.map((r) => ({ merchantId: merchantOr(r._id ?? undefined), sla, complaints: r.n }));
  };
  return (await Promise.all([missed('first_response', 'firstResponseOnTime'), missed('resolution', 'resolutionOnTime')])).flat();
}
