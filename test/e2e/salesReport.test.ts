import { dayIn } from '../../domain/calendar';
import { eventually, type Answer } from '../support/http';
import { expectStatus, keyCodes, productWithShop } from '../support/orders';

/*
 * GET /v1/reports/sales over HTTP against the real worker, dev server and store: orders taken,
 * paid, refunded and complained about here show on today's line, today being the shop's
 * (SHOP_TIME_ZONE, set far from UTC), with every other day of the period at zero.
 */

const ZONE = 'Pacific/Kiritimati';

describe('the sales report', () => {
  const ctx = productWithShop(() => ({ SHOP_TIME_ZONE: ZONE }));
  const sku = 'sales-e2e';
  const price = { amount: 6800, currency: 'CNY' };
  const paths = (answer: Answer) => (answer.body.error?.details ?? []).map((d: { path: string }) => d.path).sort();

  it("shows today's orders, payments, refunds and complaints on the shop's today, and every other day at zero", async () => {
    const { shop } = ctx;
    await shop.product(sku, { price }, keyCodes(3, 'SALE'));
    const kept = await shop.delivered(sku);
    await shop.refunded(await shop.delivered(sku));
    await shop.order(sku); // never paid
    expectStatus(await kept.buyer.post(`/v1/orders/${kept.orderId}/complaints`, { category: 'service', description: 'Slow.' }), 201, 'complaint');

    const today = dayIn(Date.now(), ZONE);
    const report = await eventually(async () => {
      const answer = await shop.ops.get('/v1/reports/sales');
      expectStatus(answer, 200, 'the sales report');
      const line = answer.body.byDay.find((d: { day: string }) => d.day === today);
      return line?.refunds === 1 && line.complaints === 1 && line.orders === 3 ? answer.body : undefined;
    }, "today's sales");
    expect(report.period.timeZone).toBe(ZONE);
    expect(report.byDay).toHaveLength(30);
    expect(report.byDay.at(-1)).toEqual({ day: today, orders: 3, paid: 2, revenue: { amount: 13600, currency: 'CNY' }, refunds: 1, refunded: price, complaints: 1 });
    expect(report.byDay.slice(0, -1).every((d: { orders: number; revenue: { amount: number } }) => d.orders === 0 && d.revenue.amount === 0)).toBe(true);
    expect(report.totals).toEqual({ orders: 3, paid: 2, revenue: { amount: 13600, currency: 'CNY' }, refunds: 1, refunded: price, complaints: 1 });
    expect(report.otherCurrencies).toEqual([]);

    // One day asked for, by the admin too; the days are the shop's: it begins at its midnight.
    const one = await shop.admin.get(`/v1/reports/sales?from=${today}&to=${today}`);
    expect(one.body.byDay).toEqual([report.byDay.at(-1)]);
    expect(new Date(one.body.period.from).toLocaleString('en-CA', { timeZone: ZONE, hour12: false })).toMatch(/, 24:00:00$|, 00:00:00$/);
    expect(Date.parse(one.body.period.to) - Date.parse(one.body.period.from)).toBe(86_400_000);
  });

  it('refuses other roles and bad periods, naming the field', async () => {
    const { shop } = ctx;
    expect((await shop.agent.get('/v1/reports/sales')).status).toBe(403);
    expect((await shop.storefront.get('/v1/reports/sales')).status).toBe(403);
    expect(paths(await shop.ops.get('/v1/reports/sales?from=yesterday&to=2026-02-30&by=hour'))).toEqual(['by', 'from', 'to']);
    expect(paths(await shop.ops.get('/v1/reports/sales?from=2026-03-02&to=2026-03-01'))).toEqual(['from']);
    expect(paths(await shop.ops.get('/v1/reports/sales?from=2025-01-01&to=2026-03-01'))).toEqual(['from']);
    expect((await shop.ops.get('/v1/reports/sales?from=2025-03-01&to=2026-03-01')).status).toBe(200);
  });
});
