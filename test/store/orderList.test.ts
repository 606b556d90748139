import type { QueryFilter } from 'mongoose';
import { orderListPage, type OrderListFilter } from '../../db/orderList';
import type { OrderViewDoc } from '../../db/schemas';
import { openStore, type Store } from '../../db/store';
import type { OrderStatus, OrderView } from '../../domain/order';
import { testConfig } from '../support/harness';

/*
 * The console's order list, newest first, against the real store (FerretDB here): it walks back
 * through windows of creation time, so on a store that sorts in memory no look reads more than a
 * few pages' worth of orders, and across gaps in a shop's sales, ties of the same millisecond,
 * filters and cursors it lists exactly what one sorted query would, in the same order.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.now();

interface Seeded {
  id: string;
  at: number;
  sku: string;
  status: OrderStatus;
  merchantId?: string;
}

/** A shop's sales: busy the last two hours, quiet for ten days, busy again a month back, one order years ago; ties and another merchant's orders among them. */
function sales(): Seeded[] {
  const rows: Seeded[] = [];
  const add = (at: number, i: number, merchantId?: string) =>
    rows.push({ id: `o-${String(rows.length).padStart(4, '0')}`, at, sku: ['card-a', 'card-b', 'card-c'][i % 3], status: i % 4 === 0 ? 'REFUNDED' : 'COMPLETED', ...(merchantId ? { merchantId } : {}) });
  for (let i = 0; i < 60; i++) add(NOW - i * 2 * 60_000, i);
  for (let i = 0; i < 6; i++) add(NOW - 30 * 60_000, i); // six orders of the same millisecond
  for (let i = 0; i < 90; i++) add(NOW - 12 * DAY - i * 20 * 60_000, i);
  add(NOW - 3 * 365 * DAY, 1);
  for (let i = 0; i < 40; i++) add(NOW - i * 5 * 60_000, i, 'other-shop');
  return rows;
}

function viewOf(row: Seeded): OrderView {
  return { orderId: row.id, sku: row.sku, quantity: 1, amount: { amount: 100, currency: 'CNY' }, status: row.status, createdAt: new Date(row.at).toISOString(), complaints: [] } as unknown as OrderView;
}

describe('the order list, newest first', () => {
  let store: Store;
  const seeded = sales();

  beforeAll(async () => {
    store = await openStore(testConfig().mongodbUri);
    await store.orderViews.init();
    await store.orderViews.insertMany(
      seeded.map((row) => ({ _id: row.id, seq: 1, sku: row.sku, status: row.status, statusSince: new Date(row.at), createdAt: new Date(row.at), ...(row.merchantId ? { merchantId: row.merchantId } : {}), view: viewOf(row) })),
      { lean: true },
    );
  });

  afterAll(async () => {
    await store?.connection.dropDatabase().catch(() => undefined);
    await store?.close();
  });

  /** What one sorted query answers: the orders that fit, newest first, ties by id. */
  const expected = (fits: (row: Seeded) => boolean) =>
    seeded.filter((row) => (row.merchantId ?? 'default') === 'default' && fits(row)).sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1)).map((row) => row.id);

  async function everyPage(filter: Omit<OrderListFilter, 'limit' | 'after'>, limit: number): Promise<string[]> {
    const listed: string[] = [];
    let after: OrderListFilter['after'];
    for (let pages = 0; pages < 1000; pages++) {
      const page = await orderListPage(store, { ...filter, limit, ...(after ? { after } : {}) });
      listed.push(...page.items.map((item) => item.orderId));
      if (!page.next) return listed;
      after = page.next;
    }
    throw new Error('the list did not end');
  }

  it.each([
    ['every order', {}, () => true],
    ['one status', { status: 'REFUNDED' as const }, (r: Seeded) => r.status === 'REFUNDED'],
    ['one product', { sku: 'card-b' }, (r: Seeded) => r.sku === 'card-b'],
    ['a window of dates', { from: new Date(NOW - 20 * DAY), to: new Date(NOW - 12 * DAY) }, (r: Seeded) => r.at >= NOW - 20 * DAY && r.at < NOW - 12 * DAY],
    ['since a date', { from: new Date(NOW - HOUR) }, (r: Seeded) => r.at >= NOW - HOUR],
  ])('%s: page by page, exactly what one sorted query lists', async (_name, filter, fits) => {
    const want = expected(fits);
    expect(want.length).toBeGreaterThan(3);
    for (const limit of [1, 7, 50, 500]) expect({ limit, listed: await everyPage(filter, limit) }).toEqual({ limit, listed: want });
  });

  it("another merchant's list holds its own orders only", async () => {
    const theirs = seeded.filter((row) => row.merchantId === 'other-shop').sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1)).map((row) => row.id);
    expect(await everyPage({ merchantId: 'other-shop' }, 9)).toEqual(theirs);
  });

  it('no look reads much more than the page it fills, across a gap of days in the sales, and each is a search of a creation-date index', async () => {
    // The reads (sorted, a page at most) and the questions whether a window holds an order (one row).
    const looks: QueryFilter<OrderViewDoc>[] = [];
    const questions: QueryFilter<OrderViewDoc>[] = [];
    const watch = (method: 'find' | 'findOne', into: QueryFilter<OrderViewDoc>[]) => {
      const original = store.orderViews[method].bind(store.orderViews) as (...args: unknown[]) => unknown;
      return jest.spyOn(store.orderViews, method).mockImplementation(((filter: QueryFilter<OrderViewDoc>, ...rest: unknown[]) => {
        into.push(filter);
        return original(filter, ...rest);
      }) as never);
    };
    const spies = [watch('find', looks), watch('findOne', questions)];
    const last = seeded.find((row) => row.id === 'o-0059')!;
    try {
      // The first page, and the page that crosses the ten quiet days to the orders of a month back.
      const first = await orderListPage(store, { limit: 20 });
      const before = await everyPage({}, 20);
      expect(first.items.map((i) => i.orderId)).toEqual(before.slice(0, 20));
      const crossing = await orderListPage(store, { limit: 20, after: { at: new Date(last.at), id: last.id } });
      expect(crossing.items.map((i) => i.orderId)).toEqual(before.slice(before.indexOf('o-0059') + 1, before.indexOf('o-0059') + 21));
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    // The crossing page asked across the quiet days rather than reading them.
    expect(looks.length).toBeGreaterThan(2);
    expect(questions.length).toBeGreaterThan(2);
    for (const look of [...looks, ...questions]) {
      // Every look is a window of creation dates closed on both sides...
      expect(look.createdAt).toEqual({ $gte: expect.any(Date), $lt: expect.any(Date) });
      // ...that the store answers from an index holding the creation date...
      const explained = (await store.connection.db!.collection<{ _id: string }>('order_views').find(look as object).limit(1).explain()) as { queryPlanner: { Plan?: string[] }; filterPushdown: boolean };
      const steps = (explained.queryPlanner.Plan ?? []).map((row) => row.replace(/^.*detail=/, ''));
      const searches = steps.filter((s) => s.startsWith('SEARCH'));
      expect({ look, pushedDown: explained.filterPushdown, scans: steps.filter((s) => s.startsWith('SCAN')) }).toEqual({ look, pushedDown: true, scans: [] });
      expect({ look, searches: searches.length > 0 && searches.every((s) => /createdAt/.test(s)) }).toEqual({ look, searches: true });
    }
    // ...and no read's window holds much more than its page of 21 (the whole shop has 157 orders).
    for (const look of looks) {
      const holds = await store.orderViews.countDocuments(look);
      expect({ look, holds, atMost: holds <= 42 }).toEqual({ look, holds, atMost: true });
    }
  });
});
