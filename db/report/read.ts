import type { Store } from '../store';
import { HOUR_MS, byHour, dayOfHour, hourOfDay, hoursBetween, mergeNewest, monthsBetween, startOfHour, type LedgerEntry } from './entries';
import { hourEntries, monthDays, waitingEntries, type DayHours } from './ledger';
import { combine, emptyTally, tallyOf, type Period, type Tally } from './tally';

/**
 * The tallies of the orders and complaints created in [from, to), one per bucket: `bucketOf` names
 * the bucket of an instant (one bucket for a whole period, a day in the shop's time zone for the
 * sales report), and a later instant never falls in an earlier bucket.
 *
 * It reads the ledger, never the read models: the folded days of each month the period touches
 * (one small collection each), and an hour's entries only where the period or a bucket cuts that
 * hour, or facts for it still wait to be folded, with those facts merged in. So the answer is as
 * current as the read models, and the same on FerretDB and MongoDB.
 */
export async function talliesBy(store: Store, period: Period, bucketOf: (at: number) => string): Promise<Map<string, Tally>> {
  const from = period.from.getTime();
  const to = period.to.getTime();
  const inPeriod = (entry: LedgerEntry) => entry.at >= from && entry.at < to;
  // The waiting facts are read first: a fold that runs meanwhile leaves their entries in the hours.
  const waiting = byHour((await waitingEntries(store)).filter(inPeriod));
  const days = new Map<string, DayHours>();
  for (const month of await Promise.all(monthsBetween(from, to).map((m) => monthDays(store, m)))) {
    for (const [day, hours] of month) days.set(day, hours);
  }

  const hours = await Promise.all(
    hoursBetween(from, to).map(async (hour): Promise<[string, Tally | undefined][]> => {
      const start = startOfHour(hour);
      const end = start + HOUR_MS;
      const whole = start >= from && end <= to && bucketOf(start) === bucketOf(end - 1);
      if (whole && !waiting.has(hour)) return [[bucketOf(start), days.get(dayOfHour(hour))?.[hourOfDay(hour)]]];
      const entries = [...mergeNewest(await hourEntries(store, hour), waiting.get(hour) ?? []).values()].filter(inPeriod);
      const split = new Map<string, LedgerEntry[]>();
      for (const entry of entries) {
        const bucket = bucketOf(entry.at);
        const list = split.get(bucket);
        if (list) list.push(entry);
        else split.set(bucket, [entry]);
      }
      return [...split].map(([bucket, list]) => [bucket, tallyOf(list)]);
    }),
  );

  const tallies = new Map<string, Tally>();
  for (const [bucket, tally] of hours.flat()) {
    if (!tally) continue;
    let into = tallies.get(bucket);
    if (!into) tallies.set(bucket, (into = emptyTally()));
    combine(into, tally);
  }
  return tallies;
}
