import type { ReportFactDoc } from '../schemas';
import { isDuplicateKeyError, type Store } from '../store';
import { tallyOf, type Tally } from './tally';
import { byHour, dayOfHour, entryKey, hourOfDay, mergeNewest, monthOfHour, type LedgerEntry } from './entries';

/*
 * The ledger is written in two steps so that nothing but an insert ever races:
 * - any activity records a fact (an insert keyed by the entry and its step; a retry collides);
 * - the fold, the ledger's only writer, merges facts into their hours (newest step wins, so
 *   folding a fact twice changes nothing), sets those hours' tallies in their days, and only then
 *   deletes the facts. A fold that dies part way leaves its facts behind; the next does it again.
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
  const doc = await store.reportHours(monthOfHour(hour)).findById(hour).lean();
  return new Map(doc ? (Object.entries(JSON.parse(doc.entries)) as [string, LedgerEntry][]) : []);
}

/** The tallies of a day's folded hours, by hour of the day (`00`..`23`). */
export type DayHours = Record<string, Tally>;

/** Every folded day of a month with its hours' tallies: one read of a collection of at most 31 documents. */
export async function monthDays(store: Store, month: string): Promise<Map<string, DayHours>> {
  const docs = await store.reportDays(month).find({}).lean();
  return new Map(docs.map((doc) => [doc._id, JSON.parse(doc.hours) as DayHours]));
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

  const hours = byHour(facts.map((fact) => JSON.parse(fact.entry) as LedgerEntry));
  const hourTallies = new Map<string, Tally>();
  await inGroups([...hours], async ([hour, entries]) => {
    const merged = mergeNewest(await hourEntries(store, hour), entries);
    await store
      .reportHours(monthOfHour(hour))
      .replaceOne({ _id: hour }, { _id: hour, entries: JSON.stringify(Object.fromEntries(merged)), foldedAt: new Date() }, { upsert: true });
    hourTallies.set(hour, tallyOf(merged.values()));
  });
  progress?.();

  const days = new Set([...hours.keys()].map(dayOfHour));
  await inGroups([...days], async (day) => {
    const month = monthOfHour(day);
    const doc = await store.reportDays(month).findById(day).lean();
    const hours: DayHours = doc ? JSON.parse(doc.hours) : {};
    for (const [hour, tally] of hourTallies) if (dayOfHour(hour) === day) hours[hourOfDay(hour)] = tally;
    await store.reportDays(month).replaceOne({ _id: day }, { _id: day, hours: JSON.stringify(hours), foldedAt: new Date() }, { upsert: true });
  });
  progress?.();

  // One statement for the batch: FerretDB commits each statement on its own, so deleting fact by
  // fact costs a commit apiece, while a single $in costs one read of the (small) inbox.
  await store.reportInbox.deleteMany({ _id: { $in: facts.map((fact) => fact._id) } });
  return { facts: facts.length, hours: hours.size, days: days.size };
}

/** Each document is its own; a few at a time keeps a large fold quick without crowding the store. */
async function inGroups<T>(items: T[], work: (item: T) => Promise<void>, size = 16): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}
