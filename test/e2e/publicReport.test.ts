import { monthPeriod } from '../../db/report/publicReport';
import { eventually } from '../support/http';
import { keyCodes, productWithShop, type PlacedOrder, type Shop } from '../support/orders';

/**
 * The public complaint report: anyone may read it (limited per address like buyers), it names no
 * order, buyer or code, its figures are the staff ranking's for the same month, and the admin's
 * notes are published with it.
 */
describe('the public complaint report', () => {
  const ctx = productWithShop();
  let shop: Shop;
  const sku = 'steam-public-report';
  const codes = keyCodes(6, 'STEAM');

  beforeAll(async () => {
    ({ shop } = ctx);
    await shop.product(sku, { keyPattern: '^STEAM-' }, codes);
  });

  async function delivered(): Promise<PlacedOrder> {
    const order = await shop.order(sku, 1, 'dana@example.com');
    await shop.pay(order);
    await shop.waitFor(order.orderId, 'DELIVERED');
    return order;
  }

  it("has the staff ranking's figures for the month, and nothing that names an order, a buyer or a code", async () => {
    const orders = [await delivered(), await delivered(), await delivered()];
    const month = (await shop.view(orders[0].orderId)).createdAt.slice(0, 7);
    const filed = await orders[0].buyer.post(`/v1/orders/${orders[0].orderId}/complaints`, { category: 'key_invalid', description: 'Already redeemed.' });
    expect(filed.status).toBe(201);
    const { complaintId } = filed.body;
    expect((await shop.agent.post(`/v1/complaints/${complaintId}/actions`, { action: 'acknowledge' })).status).toBe(200);
    expect((await shop.remedy(complaintId, 'resolve_replace', 'New key.')).status).toBe(200);
    expect((await orders[0].buyer.post(`/v1/complaints/${complaintId}/confirm`, { satisfied: true, rating: 4 })).status).toBe(200);
    const second = await orders[1].buyer.post(`/v1/orders/${orders[1].orderId}/complaints`, { category: 'service', description: 'Slow answers.' });
    expect(second.status).toBe(201);

    const { from, to } = monthPeriod(month);
    const anonymous = shop.http;
    const published = await eventually(async () => {
      const answer = await anonymous.get(`/v1/public/complaint-report?month=${month}`);
      return answer.status === 200 && answer.body.complaints >= 2 && answer.body.satisfaction.responses >= 1 ? answer.body : false;
    }, 'both complaints and the rating in the public report');
    const ranking = (await shop.agent.get(`/v1/reports/complaints?from=${from.toISOString()}&to=${to.toISOString()}`)).body;

    expect(published).toEqual({
      month,
      orders: ranking.totals.orders,
      complaints: ranking.totals.complaints,
      complaintRate: Math.round((ranking.totals.complaints / ranking.totals.orders) * 10_000) / 10_000,
      firstResponseOnTime: ranking.sla.firstResponseOnTime,
      resolutionOnTime: ranking.sla.resolutionOnTime,
      medianFirstResponseMinutes: ranking.sla.medianFirstResponseMinutes,
      medianResolutionHours: ranking.sla.medianResolutionMinutes === null ? null : Math.round((ranking.sla.medianResolutionMinutes / 60) * 10) / 10,
      byCategory: ranking.byCategory,
      satisfaction: ranking.satisfaction,
      notes: [],
    });
    expect(published.orders).toBeGreaterThanOrEqual(3);
    expect(published.byCategory.find((c: { category: string }) => c.category === 'key_invalid').complaints).toBeGreaterThanOrEqual(1);
    expect(published.satisfaction).toMatchObject({ responses: 1, satisfiedShare: 1, averageRating: 4 });

    const text = JSON.stringify(published);
    for (const secret of [...orders.map((o) => o.orderId), complaintId, second.body.complaintId, 'dana@example.com', 'dana', ...codes]) {
      expect(text).not.toContain(secret);
    }
  });

  it('is open without a key but limited per address, and refuses a bad month naming the field', async () => {
    const res = await fetch(`${shop.http.baseUrl}/v1/public/complaint-report?month=2026-01`);
    expect(res.status).toBe(200);
    // The anonymous limiter counted this request (staff keys carry no such header).
    expect(res.headers.get('ratelimit')).toMatch(/limit=\d+/);
    expect(((await res.json()) as { month: string }).month).toBe('2026-01');

    for (const bad of ['2026-13', '2026-1', 'last-month']) {
      const answer = await shop.http.get(`/v1/public/complaint-report?month=${bad}`);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'invalid_request', details: [{ path: 'month', reason: expect.stringContaining('month') }] });
    }
  });

  it("publishes the admin's notes with their month, and only an admin may add one", async () => {
    const note = { month: '2026-02', text: '我们把首次响应时间缩短到 30 分钟以内。 First answers now come within 30 minutes.' };
    expect((await shop.http.post('/v1/public/complaint-report/notes', note)).status).toBe(401);
    expect((await shop.agent.post('/v1/public/complaint-report/notes', note)).status).toBe(403);
    const refused = await shop.admin.post('/v1/public/complaint-report/notes', { month: '2026-02', text: '' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([{ path: 'text', reason: expect.any(String) }]);

    const added = await shop.admin.post('/v1/public/complaint-report/notes', note);
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ month: '2026-02', at: expect.any(String), text: note.text });
    const report = await shop.http.get('/v1/public/complaint-report?month=2026-02');
    expect(report.body.notes).toEqual([{ at: added.body.at, text: note.text }]);
    expect((await shop.http.get('/v1/public/complaint-report?month=2026-03')).body.notes).toEqual([]);
  });
});
