import { dayIn, daysFrom, nextDay, startOfDayIn } from '../../domain/calendar';
import type { Money } from '../../domain/money';
import type { Store } from '../store';
import { talliesBy } from './read';
import { DEFAULT_MERCHANT } from '../../domain/merchant';
import { combineSales, emptySales, tallyFor, type SalesTally, type Tally } from './tally';

/** One day's sales: the orders taken that day, and of them those paid and refunded, with their money. */
export interface SalesFigures {
  orders: number;
  paid: number;
  revenue: Money;
  refunds: number;
  refunded: Money;
  /** Complaints filed that day. */
  complaints: number;
}

export interface SalesReport {
  period: { from: string; to: string; timeZone: string };
  /** Every day of the period, in order, also the days with nothing sold. */
  byDay: (SalesFigures & { day: string })[];
  totals: SalesFigures;
  /** Money in currencies other than the report's (a shop that sold in more than one), totals only. */
  otherCurrencies: { currency: string; revenue: Money; refunded: Money }[];
}

/**
 * Sales by day in the shop's time zone, from `first` to `last` (days, both included). Each order
 * counts on the day it was taken: `paid` and `refunds` say what became of that day's orders, so a
 * refund made today of last week's order shows on last week's day. Read from the report ledger.
 * Money is in the currency sold most (`currency` when nothing was sold); others are totalled apart.
 */
export async function salesReport(
  store: Store,
  { first, last, timeZone, currency, merchantId = DEFAULT_MERCHANT }: { first: string; last: string; timeZone: string; currency: string; merchantId?: string },
): Promise<SalesReport> {
  const from = new Date(startOfDayIn(first, timeZone));
  const to = new Date(startOfDayIn(nextDay(last), timeZone));
  const everyone = await talliesBy(store, { from, to }, (at) => dayIn(at, timeZone));
  const tallies = new Map([...everyone].map(([day, tally]) => [day, tallyFor(tally, merchantId)]));
  const days = daysFrom(first, last);
  const total = emptySales();
  let complaints = 0;
  for (const tally of tallies.values()) {
    combineSales(total, tally.sales);
    complaints += complaintsOf(tally);
  }
  const main = mainCurrency(total) ?? currency;
  const figures = (sales: SalesTally, n: number): SalesFigures => ({
    orders: sales.orders,
    paid: sales.paid,
    revenue: { amount: sales.revenue[main] ?? 0, currency: main },
    refunds: sales.refunds,
    refunded: { amount: sales.refunded[main] ?? 0, currency: main },
    complaints: n,
  });
  const others = [...new Set([...Object.keys(total.revenue), ...Object.keys(total.refunded)])].filter((c) => c !== main).sort();
  return {
    period: { from: from.toISOString(), to: to.toISOString(), timeZone },
    byDay: days.map((day) => {
      const tally = tallies.get(day);
      return { day, ...figures(tally?.sales ?? emptySales(), tally ? complaintsOf(tally) : 0) };
    }),
    totals: figures(total, complaints),
    otherCurrencies: others.map((c) => ({ currency: c, revenue: { amount: total.revenue[c] ?? 0, currency: c }, refunded: { amount: total.refunded[c] ?? 0, currency: c } })),
  };
}

const complaintsOf = (tally: Tally) => Object.values(tally.categories).reduce((a, b) => a + b, 0);

/** The currency with the most revenue, or undefined when nothing was paid. */
function mainCurrency(sales: SalesTally): string | undefined {
  return Object.entries(sales.revenue).sort(([, a], [, b]) => b - a)[0]?.[0];
}
