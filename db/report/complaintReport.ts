import type { Store } from '../store';
import { HOUR_MS, byHour, dayOfHour, hourOfDay, hoursBetween, mergeNewest, monthsBetween, startOfHour, type LedgerEntry } from './entries';
import { hourEntries, monthDays, waitingEntries, type DayHours } from './ledger';
import { combine, emptyTally, reportOf, tallyOf, type ComplaintReport, type Period, type Tally } from './tally';

export type { ComplaintReport, Period };

/**
 * The complaint ranking (投诉排行榜) for orders and complaints created in [from, to): what buyers
 * complain about, which products draw complaints and refunds, whether the agents keep their
 * deadlines, and whether buyers were satisfied. Worst first.
 *
 * It reads the ledger, never the read models: the folded days of each month the period touches
 * (one small collection each), and an hour's entries only where the period cuts that hour or facts
 * for it still wait to be folded, with those facts merged in. So the answer is as current as the
 * read models, and the same on FerretDB and MongoDB.
 */
export async function complaintReport(store: Store, period: Period): Promise<ComplaintReport> {
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
    hoursBetween(from, to).map(async (hour): Promise<Tally | undefined> => {
      const whole = startOfHour(hour) >= from && startOfHour(hour) + HOUR_MS <= to;
      if (whole && !waiting.has(hour)) return days.get(dayOfHour(hour))?.[hourOfDay(hour)];
      const entries = mergeNewest(await hourEntries(store, hour), waiting.get(hour) ?? []);
      return tallyOf([...entries.values()].filter(inPeriod));
    }),
  );

  const tally = emptyTally();
  for (const hour of hours) if (hour) combine(tally, hour);
  return reportOf(tally, period);
}
