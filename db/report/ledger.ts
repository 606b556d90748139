import type { ReportFactDoc } from '../schemas';
import { isDuplicateKeyError, type Store } from '../store';
import { count, emptyTally, type Tally } from './tally';
import { entryKey, hourOf, hoursOfDay, mergeNewest, type LedgerEntry } from './entries';

/*
 * The ledger is written in two steps so that nothing but an insert ever races:
 * - any activity records a fact (an insert keyed by the entry and its step; a retry collides);
 * - the fold, the ledger's only writer, merges facts into their hours (newest step wins, so
 *   folding a fact twice changes nothing), recounts those hours' days, and only then deletes the
 *   facts. A fold that dies part way leaves its facts behind, and the next one does it again.
 * Readers merge the facts still waiting, so a report is as current as the read models.
 */

/** The fact of an entry, keyed by the entry and its step, so recording it twice records it once. */
export function factOf(entry: LedgerEntry): ReportFactDoc {
  return { _id: `${entryKey(entry)}@${entry.seq}`, entry: JSON.stringify(entry), recordedAt: new Date() };
}

/** Record what the ranking counts of an order or a complaint at one step of its workflow. */
export async function recordEntry(store: Store, entry: LedgerEntry): Promise<void> {
  try {
    await store.reportInbox.create(factOf(entry));
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
  }
}

/** Facts not yet folded, the newest per order or complaint. */
export async function waitingEntries(store: Store): Promise<LedgerEntry[]> {
  const facts = await store.reportInbox.find({}, { entry: 1 }).lean();
  return [...mergeNewest(new Map(), facts.map((f) => JSON.parse(f.entry) as LedgerEntry)).values()];
}

/** The folded entries of one hour, by entry key. */
export async function hourEntries(store: Store, hour: string): Promise<Map<string, LedgerEntry>> {
  const doc = await store.reportHours.findById(hour).lean();
  return new Map(doc ? (Object.entries(JSON.parse(doc.entries)) as [string, LedgerEntry][]) : []);
}

/** A folded day's tally; null for a day nothing was folded into. */
export async function dayTally(store: Store, day: string): Promise<Tally | null> {
  const doc = await store.reportDays.findById(day).lean();
  return doc ? (JSON.parse(doc.tally) as Tally) : null;
}

export interface FoldResult {
  facts: number;
  hours: number;
  days: number;
}

/**
 * Fold up to `limit` waiting facts into the ledger. Must have no concurrent run: the scheduled
 * fold workflow is its only caller, and its schedule never overlaps runs.
 */
export async function foldFacts(store: Store, { limit, progress }: { limit: number; progress?: () => void }): Promise<FoldResult> {
  // With no filter and no sort, FerretDB stops reading at the limit.
  const facts = await store.reportInbox.find({}).limit(limit).lean();
  if (facts.length === 0) return { facts: 0, hours: 0, days: 0 };

  const byHour = new Map<string, LedgerEntry[]>();
  for (const fact of facts) {
    const entry = JSON.parse(fact.entry) as LedgerEntry;
    const hour = hourOf(entry.at);
    byHour.set(hour, [...(byHour.get(hour) ?? []), entry]);
  }

  const folded = new Map<string, Map<string, LedgerEntry>>();
  await inGroups([...byHour], async ([hour, entries]) => {
    const merged = mergeNewest(await hourEntries(store, hour), entries);
    await store.reportHours.replaceOne(
      { _id: hour },
      { _id: hour, entries: JSON.stringify(Object.fromEntries(merged)), foldedAt: new Date() },
      { upsert: true },
    );
    folded.set(hour, merged);
  });
  progress?.();

  const days = new Set([...byHour.keys()].map((hour) => hour.slice(0, 10)));
  await inGroups([...days], async (day) => {
    const hours = await Promise.all(hoursOfDay(day).map((hour) => folded.get(hour) ?? hourEntries(store, hour)));
    const tally = emptyTally();
    for (const entries of hours) for (const entry of entries.values()) count(tally, entry);
    await store.reportDays.replaceOne({ _id: day }, { _id: day, tally: JSON.stringify(tally), foldedAt: new Date() }, { upsert: true });
  });
  progress?.();

  // One statement for the batch: FerretDB commits each statement on its own, so deleting fact by
  // fact costs a commit apiece, while a single $in costs one read of the (small) inbox.
  await store.reportInbox.deleteMany({ _id: { $in: facts.map((fact) => fact._id) } });
  return { facts: facts.length, hours: byHour.size, days: days.size };
}

/** Each document is its own; a few at a time keeps a large fold quick without crowding the store. */
async function inGroups<T>(items: T[], work: (item: T) => Promise<void>, size = 16): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}
