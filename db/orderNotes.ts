import type { TimelineEntry } from '../domain/order';
import { isDuplicateKeyError, type Store } from './store';

/**
 * A line added to an order's timeline from outside its workflow (the order has closed, or Temporal
 * no longer knows it), once per id. The order's read-model row is flagged first, so a reader of a
 * row without the flag (nearly every order) need not look for notes: a buyer's page polling its
 * order costs one read. A note whose insert is cut short after the flag costs a look that finds none.
 */
export async function addOrderNote(store: Store, noteId: string, orderId: string, entry: TimelineEntry): Promise<void> {
  await store.orderViews.updateOne({ _id: orderId }, { $set: { lateNotes: true } });
  try {
    await store.orderNotes.create({ _id: noteId, orderId, ...entry, at: new Date(entry.at) });
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
  }
}

/** The notes of an order, oldest first, as timeline entries. */
export async function lateNotesOf(store: Store, orderId: string): Promise<TimelineEntry[]> {
  const notes = await store.orderNotes.find({ orderId }).sort({ at: 1, _id: 1 }).lean();
  return notes.map(({ at, type, actor, detail }) => ({ at: at.toISOString(), type, ...(actor ? { actor } : {}), ...(detail ? { detail } : {}) }));
}

/** Rows of orders noted before the flag existed get it (a migration step). */
export async function flagNotedOrders(store: Store): Promise<void> {
  const ids: string[] = await store.orderNotes.distinct('orderId');
  for (let i = 0; i < ids.length; i += 500) await store.orderViews.updateMany({ _id: { $in: ids.slice(i, i + 500) } }, { $set: { lateNotes: true } });
}
