import type { Model } from 'mongoose';
import { isDuplicateKeyError } from './store';

/**
 * Write a read-model row unless a newer one is already there. `seq` only grows with each step of
 * the one workflow that writes the row, so a retried older projection never overwrites a newer one.
 * The insert settles the first write (a unique _id); later ones have no rival, since one workflow
 * writes each row one activity at a time.
 */
export async function projectNewer<T extends { _id: string; seq: number }>(model: Model<T>, row: T): Promise<void> {
  const current = await model.findById(row._id).lean();
  if (current && current.seq >= row.seq) return;
  if (!current) {
    try {
      await model.create(row);
      return;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }
  const { _id, ...fields } = row;
  await model.updateOne({ _id, seq: { $lt: row.seq } } as never, { $set: fields } as never);
}
