import { complaintEntry, orderEntry, type LedgerEntry } from './entries';
import { factOf } from './ledger';
import { onlyDuplicateKeyErrors, type Store } from '../store';

/**
 * Record a fact for every order and complaint in the read models: for a database whose orders and
 * complaints were projected before the ledger existed, or to repair the ledger. It only inserts
 * facts (a no-op where one is waiting already), so running it again, or while orders move, changes
 * nothing. It reads the read models whole, once, and after each batch waits for `folded` (the
 * fold, which stays the ledger's only writer) so the inbox stays small.
 */
export async function backfillLedger(store: Store, folded: () => Promise<void>): Promise<{ orders: number; complaints: number }> {
  return { orders: await record(store, orders(store), folded), complaints: await record(store, complaints(store), folded) };
}

/** Facts per batch: one fold's worth. */
export const BACKFILL_BATCH = 2_000;

async function record(store: Store, entries: AsyncIterable<LedgerEntry>, folded: () => Promise<void>): Promise<number> {
  let batch: LedgerEntry[] = [];
  let recorded = 0;
  const flush = async () => {
    // Unordered, so a fact that is already waiting (E11000) does not stop the rest.
    await store.reportInbox.insertMany(batch.map(factOf), { ordered: false }).catch((err: unknown) => {
      if (!onlyDuplicateKeyErrors(err)) throw err;
    });
    recorded += batch.length;
    batch = [];
    await folded();
  };
  for await (const entry of entries) {
    batch.push(entry);
    if (batch.length === BACKFILL_BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  return recorded;
}

async function* orders(store: Store): AsyncIterable<LedgerEntry> {
  for await (const row of store.orderViews.find({}, { sku: 1, seq: 1, status: 1, createdAt: 1, merchantId: 1, 'view.amount': 1 }).lean().cursor()) yield orderEntry(row);
}

async function* complaints(store: Store): AsyncIterable<LedgerEntry> {
  for await (const row of store.complaintViews.find({}, { view: 0 }).lean().cursor()) yield complaintEntry(row);
}
