import type { Store } from '../store';
import { DAY_MS, dayOf, daysBetween, hoursOfDay, mergeNewest, startOfDay, type LedgerEntry } from './entries';
import { dayTally, hourEntries, waitingEntries } from './ledger';
import { combine, count, emptyTally, reportOf, type ComplaintReport, type Period, type Tally } from './tally';

export type { ComplaintReport, Period };

/**
 * The complaint ranking (投诉排行榜) for orders and complaints created in [from, to): what buyers
 * complain about, which products draw complaints and refunds, whether the agents keep their
 * deadlines, and whether buyers were satisfied. Worst first.
 *
 * It reads the ledger by _id only, the one lookup FerretDB serves from an index: a whole day that
 * nothing has changed since its last fold is one document; a day cut by the period, or with facts
 * still waiting, is counted from its hours with those facts merged in. So the answer is as current
 * as the read models, and the same on FerretDB and MongoDB.
 */
export async function complaintReport(store: Store, period: Period): Promise<ComplaintReport> {
  const from = period.from.getTime();
  const to = period.to.getTime();
  // The waiting facts are read first: a fold that runs meanwhile leaves their entries in the hours.
  const waiting = new Map<string, LedgerEntry[]>();
  for (const entry of await waitingEntries(store)) {
    if (entry.at < from || entry.at >= to) continue;
    const day = dayOf(entry.at);
    waiting.set(day, [...(waiting.get(day) ?? []), entry]);
  }

  const days = await Promise.all(
    daysBetween(from, to).map(async (day): Promise<Tally | null> => {
      const whole = startOfDay(day) >= from && startOfDay(day) + DAY_MS <= to;
      if (whole && !waiting.has(day)) return dayTally(store, day);
      const hours = await Promise.all(hoursOfDay(day, from, to).map((hour) => hourEntries(store, hour)));
      const entries = mergeNewest(new Map(hours.flatMap((h) => [...h])), waiting.get(day) ?? []);
      const tally = emptyTally();
      for (const entry of entries.values()) if (entry.at >= from && entry.at < to) count(tally, entry);
      return tally;
    }),
  );

  const tally = emptyTally();
  for (const day of days) if (day) combine(tally, day);
  return reportOf(tally, period);
}
