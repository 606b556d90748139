import { complaintEntry, orderEntry, type LedgerEntry } from '../../db/report/entries';
import { foldFacts, recordEntry } from '../../db/report/ledger';
import { salesReport, type SalesReport } from '../../db/report/salesReport';
import { openStore, type Store } from '../../db/store';
import type { Money } from '../../domain/money';
import type { OrderStatus } from '../../domain/order';
import { testConfig } from '../support/harness';

/**
 * Sales by day from the report ledger against the real store (FerretDB here): each order on the
 * day it was taken in the shop's time zone, whose midnight is not UTC's (Shanghai), falls inside a
 * UTC hour (Kolkata) or moves with daylight saving (New York); the same with the facts waiting,
 * folded, or recorded again; money in the currency sold most, the rest apart.
 */
const CNY = (amount: number): Money => ({ amount, currency: 'CNY' });

function order(id: string, iso: string, status: OrderStatus, amount: Money | 'none', step = 5): LedgerEntry {
  return orderEntry({ _id: id, seq: step, sku: 'sales-card', status, createdAt: new Date(iso), ...(amount === 'none' ? {} : { view: { amount } }) });
}

function complaint(id: string, iso: string): LedgerEntry {
  return complaintEntry({
    _id: id,
    seq: 1,
    sku: 'sales-card',
    category: 'service',
    createdAt: new Date(iso),
    firstResponseOnTime: null,
    resolutionOnTime: null,
    firstResponseMinutes: null,
    resolutionMinutes: null,
    satisfied: null,
    rating: null,
  });
}

const ENTRIES: LedgerEntry[] = [
  // 1 March 23:30 in Shanghai, 15:30 UTC.
  order('o-late-evening', '2026-03-01T15:30:00Z', 'DELIVERED', CNY(6800)),
  // 2 March 00:10 and 00:30 in Shanghai, still 1 March in UTC.
  order('o-unpaid', '2026-03-01T16:10:00Z', 'CANCELLED', CNY(1999)),
  order('o-refunded', '2026-03-01T16:30:00Z', 'REFUNDED', CNY(1999)),
  // Either side of Kolkata's midnight (18:30 UTC), inside one UTC hour.
  order('o-kolkata-before', '2026-03-02T18:20:00Z', 'COMPLETED', CNY(500)),
  order('o-kolkata-after', '2026-03-02T18:40:00Z', 'COMPLETED', CNY(700)),
  // New York: 7 March 23:30 EST, and 8 March 23:30 EDT (a 23-hour day).
  order('o-ny-before', '2026-03-08T04:30:00Z', 'DELIVERED', CNY(100)),
  order('o-ny-after', '2026-03-09T03:30:00Z', 'DELIVERED', CNY(200)),
  // Another currency, counted and totalled apart.
  order('o-dollars', '2026-03-02T02:00:00Z', 'DELIVERED', { amount: 1500, currency: 'USD' }),
  // An order recorded before entries carried the amount: counted, no money known.
  order('o-no-amount', '2026-03-02T03:00:00Z', 'DELIVERED', 'none'),
  complaint('c-shanghai', '2026-03-02T01:00:00Z'),
];

/** Earlier steps of orders, which a report never counts once a later one is known. */
const STALE: LedgerEntry[] = [order('o-refunded', '2026-03-01T16:30:00Z', 'DELIVERED', CNY(1999), 3), order('o-unpaid', '2026-03-01T16:10:00Z', 'AWAITING_PAYMENT', CNY(1999), 1)];

const day = (report: SalesReport, d: string) => report.byDay.find((x) => x.day === d);

describe('the sales report', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore(testConfig().mongodbUri);
    for (const entry of [...STALE, ...ENTRIES]) await recordEntry(store, entry);
  });
  afterAll(async () => {
    await store?.connection.dropDatabase().catch(() => undefined);
    await store?.close();
  });

  const expectShanghai = async () => {
    const report = await salesReport(store, { first: '2026-03-01', last: '2026-03-03', timeZone: 'Asia/Shanghai', currency: 'CNY' });
    expect(report.period).toEqual({ from: '2026-02-28T16:00:00.000Z', to: '2026-03-03T16:00:00.000Z', timeZone: 'Asia/Shanghai' });
    expect(report.byDay.map((d) => d.day)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
    expect(day(report, '2026-03-01')).toEqual({ day: '2026-03-01', orders: 1, paid: 1, revenue: CNY(6800), refunds: 0, refunded: CNY(0), complaints: 0 });
    // 2 March in Shanghai: the unpaid and refunded orders after its midnight, the dollars, the one with no amount, and 2 March 18:20 UTC (3 March 02:20 there) not.
    expect(day(report, '2026-03-02')).toEqual({ day: '2026-03-02', orders: 4, paid: 3, revenue: CNY(1999), refunds: 1, refunded: CNY(1999), complaints: 1 });
    expect(day(report, '2026-03-03')).toEqual({ day: '2026-03-03', orders: 2, paid: 2, revenue: CNY(1200), refunds: 0, refunded: CNY(0), complaints: 0 });
    expect(report.totals).toEqual({ orders: 7, paid: 6, revenue: CNY(6800 + 1999 + 1200), refunds: 1, refunded: CNY(1999), complaints: 1 });
    expect(report.otherCurrencies).toEqual([{ currency: 'USD', revenue: { amount: 1500, currency: 'USD' }, refunded: { amount: 0, currency: 'USD' } }]);
  };

  const expectElsewhere = async () => {
    const utc = await salesReport(store, { first: '2026-03-01', last: '2026-03-01', timeZone: 'UTC', currency: 'CNY' });
    expect(utc.byDay).toEqual([{ day: '2026-03-01', orders: 3, paid: 2, revenue: CNY(6800 + 1999), refunds: 1, refunded: CNY(1999), complaints: 0 }]);
    const kolkata = await salesReport(store, { first: '2026-03-02', last: '2026-03-03', timeZone: 'Asia/Kolkata', currency: 'CNY' });
    // There the dollars outsell the yuan: the figures are in dollars, the yuan totalled apart.
    expect(kolkata.byDay.map((d) => [d.day, d.orders, d.revenue])).toEqual([
      ['2026-03-02', 3, { amount: 1500, currency: 'USD' }],
      ['2026-03-03', 1, { amount: 0, currency: 'USD' }],
    ]);
    expect(kolkata.otherCurrencies).toEqual([{ currency: 'CNY', revenue: CNY(500 + 700), refunded: CNY(0) }]);
    const newYork = await salesReport(store, { first: '2026-03-07', last: '2026-03-09', timeZone: 'America/New_York', currency: 'CNY' });
    expect(newYork.period).toEqual({ from: '2026-03-07T05:00:00.000Z', to: '2026-03-10T04:00:00.000Z', timeZone: 'America/New_York' });
    expect(newYork.byDay.map((d) => [d.day, d.orders, d.revenue.amount])).toEqual([
      ['2026-03-07', 1, 100],
      ['2026-03-08', 1, 200],
      ['2026-03-09', 0, 0],
    ]);
  };

  it('counts the facts still waiting to be folded', async () => {
    await expectShanghai();
    await expectElsewhere();
  });

  it('gives the same answer once they are folded into hours and days, and after they are recorded again', async () => {
    while ((await foldFacts(store, { limit: 4 })).facts > 0);
    expect(await store.reportInbox.countDocuments()).toBe(0);
    await expectShanghai();
    await expectElsewhere();
    for (const entry of [...ENTRIES.slice(0, 4), ...STALE]) await recordEntry(store, entry);
    await expectShanghai();
    while ((await foldFacts(store, { limit: 100 })).facts > 0);
    await expectShanghai();
  });

  it('learns the amount of an order folded without one when the backfill records the same step with it', async () => {
    const withAmount = ENTRIES.find((e) => e.id === 'o-no-amount')!;
    await recordEntry(store, { ...withAmount, amount: CNY(3000) } as LedgerEntry);
    const report = await salesReport(store, { first: '2026-03-02', last: '2026-03-02', timeZone: 'Asia/Shanghai', currency: 'CNY' });
    expect(day(report, '2026-03-02')!.revenue).toEqual(CNY(1999 + 3000));
    while ((await foldFacts(store, { limit: 100 })).facts > 0);
    const folded = await salesReport(store, { first: '2026-03-02', last: '2026-03-02', timeZone: 'Asia/Shanghai', currency: 'CNY' });
    expect(day(folded, '2026-03-02')!.revenue).toEqual(CNY(1999 + 3000));
  });

  it('answers days with nothing sold with zeros, in the currency it is told', async () => {
    const report = await salesReport(store, { first: '2020-01-30', last: '2020-02-01', timeZone: 'Asia/Shanghai', currency: 'JPY' });
    expect(report.byDay).toEqual(
      ['2020-01-30', '2020-01-31', '2020-02-01'].map((d) => ({ day: d, orders: 0, paid: 0, revenue: { amount: 0, currency: 'JPY' }, refunds: 0, refunded: { amount: 0, currency: 'JPY' }, complaints: 0 })),
    );
    expect(report.otherCurrencies).toEqual([]);
  });
});
