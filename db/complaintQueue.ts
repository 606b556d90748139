/**
 * The agents' queue: the complaints that still need someone, oldest due first. complaint_queue
 * holds a row for each complaint until it is CLOSED, kept in step with complaint_views, which stays
 * the authority on every complaint.
 */
import type { FilterQuery, Model } from 'mongoose';
import type { ComplaintCategory, ComplaintStatus, ComplaintView } from '../domain/complaint';
import { complaintViewOf, type ComplaintQueueDoc, type ComplaintViewDoc } from './schemas';
import { onlyDuplicateKeyErrors, type Store } from './store';

/** Where a page of the queue ends: the next one starts after this (dueAt, _id). */
export interface QueuePlace {
  dueAt: Date;
  id: string;
}

export interface QueueQuery {
  /** Without it, every complaint but the CLOSED ones. */
  status?: ComplaintStatus;
  category?: ComplaintCategory;
  sku?: string;
  limit: number;
  after?: QueuePlace;
}

export interface QueuePage {
  items: ComplaintView[];
  next: QueuePlace | null;
}

/** A page of the queue, or of the closed complaints when asked for by status. */
export async function complaintQueuePage(store: Store, { status, category, sku, limit, after }: QueueQuery): Promise<QueuePage> {
  const filter: FilterQuery<ComplaintQueueDoc> = {};
  if (status) filter.status = status;
  if (category) filter.category = category;
  if (sku) filter.sku = sku;
  if (after) filter.$or = [{ dueAt: { $gt: after.dueAt } }, { dueAt: after.dueAt, _id: { $gt: after.id } }];
  // One more than asked tells whether another page follows. Closed complaints have left the queue,
  // so they are listed from the read model itself: a scan of every complaint on FerretDB, the
  // {status, dueAt, _id} index on MongoDB.
  const rows = await (status === 'CLOSED'
    ? oldestDueFirst(store.complaintViews, filter, limit + 1)
    : oldestDueFirst(store.complaintQueue, filter, limit + 1));
  const last = rows[limit - 1];
  return { items: rows.slice(0, limit).map(complaintViewOf), next: rows.length > limit ? { dueAt: last.dueAt, id: last._id } : null };
}

function oldestDueFirst<T extends ComplaintQueueDoc>(model: Model<T>, filter: FilterQuery<ComplaintQueueDoc>, n: number): Promise<T[]> {
  return model.find(filter as FilterQuery<T>).sort({ dueAt: 1, _id: 1 }).limit(n).lean<T[]>().exec();
}

/** A complaint's queue row, as its read-model row says. */
export function queueEntryOf({ _id, seq, status, category, sku, dueAt, view }: ComplaintViewDoc): ComplaintQueueDoc {
  return { _id, seq, status, category, sku, dueAt, view };
}

/**
 * Put a complaint's queue row in step with its read-model row as it stands after a projection
 * (projectNewer's answer): gone once CLOSED, else a copy. That row is seq-guarded, so a retried
 * older projection cannot bring a closed complaint back.
 */
export async function syncQueueEntry(store: Store, current: ComplaintViewDoc): Promise<void> {
  if (current.status === 'CLOSED') await store.complaintQueue.deleteOne({ _id: current._id });
  else await store.complaintQueue.replaceOne({ _id: current._id }, queueEntryOf(current), { upsert: true });
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
