import type { Model } from 'mongoose';
import { isDuplicateKeyError, type Store } from './store';

/**
 * Write a read-model row unless a newer one is already there, and answer the row that stands.
 * Callers that keep something in step with the row take it from here rather than read it again.
 * `seq` only grows with each step of the one workflow that writes the row, so a retried older
 * projection never overwrites a newer one. The insert settles the first write (a unique _id); a
 * later one is a single conditional update, since projections of one row can be in flight at once
 * (a handler's step beside the main flow's): one that a newer step overtook after the read changes
 * nothing. Every statement names the row by _id (plus the seq guard): FerretDB hands the _id to
 * SQLite, which finds the row about ten times faster than FerretDB matching every document itself.
 */
export async function projectNewer<T extends { _id: string; seq: number }>(model: Model<T>, row: T): Promise<T> {
  const current = (await model.findById(row._id).lean()) as T | null;
  if (current && current.seq >= row.seq) return current;
  const { _id, ...fields } = row;
  if (current) {
    // Conditional: another projection of the same row may have written a newer step since the read.
    const written = await model.updateOne({ _id, seq: { $lt: row.seq } } as never, { $set: fields } as never);
    return written.matchedCount > 0 ? row : projectNewer(model, row);
  }
  try {
    await model.create(row);
    return row;
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    // Another attempt wrote it first: compare with what it wrote.
    return projectNewer(model, row);
  }
}

/** Orders counted by the status their read model shows, for the metrics. */
export async function ordersByStatus(store: Store): Promise<{ status: string; orders: number }[]> {
  const rows = await store.orderViews.aggregate<{ _id: string; n: number }>([{ $group: { _id: '$status', n: { $sum: 1 } } }]);
  return rows.map((r: { _id: string; n: number }) => ({ status: r._id, orders: r.n }));
}
