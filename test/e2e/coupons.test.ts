import { startApi, type RunningApi } from '../../api/server';
import { grantCoupon } from '../../db/coupons';
import { ApiClient, eventually, type Answer } from '../support/http';
import { expectStatus, keyCodes, productWithShop, Shop, type PlacedOrder } from '../support/orders';
import { FakeProvider } from '../support/provider';

/*
 * Coupons over HTTP against the real worker, dev server and store: made by the admin, applied when
 * the storefront takes an order (the price shown as list price, discount, amount), refused by name
 * when they do not apply, redeemed once per paid order, given back by a cancel before payment or a
 * refund, and counted as the money actually paid by the refund and the reports. Refunds go to a
 * payment provider that is a real HTTP server, so what it pays back is seen.
 */

const CNY = (amount: number) => ({ amount, currency: 'CNY' });
const PRICE = CNY(10_000);

describe('coupons', () => {
  const provider = new FakeProvider();
  beforeAll(() => provider.start());
  afterAll(() => provider.stop());
  const ctx = productWithShop(() => ({ PAYMENT_PROVIDER: 'http', PAYMENT_PROVIDER_URL: provider.url }));
  const sku = 'coupon-e2e';
  let stocked = false;

  async function product(): Promise<void> {
    if (stocked) return;
    await ctx.shop.product(sku, { price: PRICE }, keyCodes(40, 'CPN'));
    stocked = true;
  }

  async function coupon(terms: Record<string, unknown>): Promise<string> {
    const made = await ctx.shop.admin.post('/v1/coupons', terms);
    expectStatus(made, 201, `coupon ${JSON.stringify(terms)}`);
    return made.body.code;
  }

  function order(code: string | undefined, email = 'alice@example.com', shop: Shop = ctx.shop): Promise<Answer> {
    return shop.storefront.post('/v1/orders', { sku, buyer: { email }, ...(code ? { coupon: code } : {}) });
  }

  async function placed(code: string | undefined, email?: string): Promise<PlacedOrder> {
    const answer = await order(code, email);
    expectStatus(answer, 201, `order with coupon ${code}`);
    return { orderId: answer.body.orderId, orderToken: answer.body.orderToken, amount: answer.body.amount, buyer: ctx.shop.http.buyer(answer.body.orderToken) };
  }

  const detail = async (code: string) => {
    const answer = await ctx.shop.ops.get(`/v1/coupons/${code}`);
    expectStatus(answer, 200, `GET coupon ${code}`);
    return answer.body;
  };

  it('the admin makes coupons; bad terms are a 400 naming each field; a code is taken once', async () => {
    const { shop } = ctx;
    const made = await shop.admin.post('/v1/coupons', { code: 'spring-20', amountOff: CNY(2_000), minSpend: CNY(5_000), maxRedemptions: 10, validUntil: '2099-01-01T00:00:00Z' });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ code: 'SPRING-20', amountOff: CNY(2_000), minSpend: CNY(5_000), maxRedemptions: 10, validUntil: '2099-01-01T00:00:00.000Z', issuedTo: null, granted: false, counts: { held: 0, redeemed: 0, released: 0 }, remaining: 10 });
    expect(await shop.admin.post('/v1/coupons', { code: 'Spring-20', percentOff: 5 })).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
    const fresh = await shop.admin.post('/v1/coupons', { percentOff: 15, buyerEmail: 'carol@example.com' });
    expect(fresh.body).toMatchObject({ code: expect.stringMatching(/^[2-9A-Z]{10}$/), percentOff: 15, issuedTo: 'c***@example.com', maxRedemptions: 1 });

    const bad = await shop.admin.post('/v1/coupons', { code: 'x', amountOff: CNY(100), percentOff: 101, maxRedemptions: 0, validFrom: 'tomorrow', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['amountOff', 'code', 'extra', 'maxRedemptions', 'percentOff', 'validFrom']);
    const free = await shop.admin.post('/v1/coupons', { amountOff: CNY(0) });
    expect(free.body.error.details).toEqual([{ path: 'amountOff.amount', reason: expect.stringContaining('above 0') }]);
    const neither = await shop.admin.post('/v1/coupons', { minSpend: CNY(100) });
    expect(neither.body.error.details).toEqual([{ path: 'amountOff', reason: 'give exactly one of amountOff and percentOff' }]);
    const backwards = await shop.admin.post('/v1/coupons', { percentOff: 5, validFrom: '2026-12-02T00:00:00Z', validUntil: '2026-12-01T00:00:00Z' });
    expect(backwards.body.error.details).toEqual([{ path: 'validUntil', reason: 'must be after validFrom' }]);

    expect((await shop.storefront.post('/v1/coupons', { percentOff: 5 })).status).toBe(403);
    expect((await shop.agent.get('/v1/coupons')).status).toBe(403);
    expect((await shop.ops.get('/v1/coupons/NO-SUCH-COUPON')).status).toBe(404);
    const listed = await shop.ops.get('/v1/coupons?limit=1');
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0].code).toBe(fresh.body.code);
    const next = await shop.ops.get(`/v1/coupons?limit=1&cursor=${listed.body.nextCursor}`);
    expect(next.body.items[0].code).toBe('SPRING-20');
  });

  it('an order with a coupon shows list price, discount and amount; its payment of the discounted amount redeems it once', async () => {
    await product();
    const code = await coupon({ percentOff: 15, maxRedemptions: 5 });
    const answer = await order(code.toLowerCase(), 'dora@example.com');
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ amount: CNY(8_500), listPrice: PRICE, discount: CNY(1_500), coupon: code });
    const o = { orderId: answer.body.orderId, amount: answer.body.amount };
    expect(await ctx.shop.view(o.orderId)).toMatchObject({ amount: CNY(8_500), listPrice: PRICE, discount: CNY(1_500), coupon: code, status: 'AWAITING_PAYMENT' });
    expect((await detail(code)).redemptions).toEqual([expect.objectContaining({ orderId: o.orderId, state: 'held', buyer: 'd***@example.com', amount: CNY(8_500) })]);

    await ctx.shop.pay(o, { paymentId: 'pay-dora' });
    const delivered = await ctx.shop.waitFor(o.orderId, 'DELIVERED');
    expect(delivered.timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['coupon_applied', 'coupon_redeemed']));
    const seen = await eventually(async () => {
      const d = await detail(code);
      return d.redemptions[0]?.state === 'redeemed' ? d : false;
    }, 'the redemption');
    expect(seen).toMatchObject({ counts: { held: 0, redeemed: 1, released: 0 }, remaining: 4 });
    expect(seen.redemptions[0]).toMatchObject({ orderId: o.orderId, redeemedAt: expect.any(String), releasedAt: null });

    // The storefront's retry of the same order (its Idempotency-Key) holds nothing more.
    const first = await ctx.shop.storefront.post('/v1/orders', { sku, buyer: { email: 'eve@example.com' }, coupon: code }, { 'idempotency-key': 'cart-eve' });
    const again = await ctx.shop.storefront.post('/v1/orders', { sku, buyer: { email: 'eve@example.com' }, coupon: code }, { 'idempotency-key': 'cart-eve' });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body).toMatchObject({ orderId: first.body.orderId, amount: CNY(8_500), coupon: code });
    expect((await detail(code)).counts).toEqual({ held: 1, redeemed: 1, released: 0 });
  });

  it('a coupon that does not apply is a 409 naming why, and no order is taken', async () => {
    await product();
    const { shop } = ctx;
    const veteran = await placed(undefined, 'vera@example.com');
    await shop.pay(veteran);
    await shop.waitFor(veteran.orderId, 'DELIVERED');
    const cases: [string, Record<string, unknown>, string][] = [
      ['expired', { amountOff: CNY(100), validUntil: new Date(Date.now() - 1000).toISOString() }, 'alice@example.com'],
      ['not_yet_valid', { amountOff: CNY(100), validFrom: '2099-01-01T00:00:00Z' }, 'alice@example.com'],
      ['minimum_spend', { amountOff: CNY(100), minSpend: CNY(10_001) }, 'alice@example.com'],
      ['first_order_only', { amountOff: CNY(100), firstOrderOnly: true }, 'vera@example.com'],
      ['issued_to_another_buyer', { amountOff: CNY(100), buyerEmail: 'bob@example.com' }, 'alice@example.com'],
      ['currency', { amountOff: { amount: 100, currency: 'USD' } }, 'alice@example.com'],
    ];
    for (const [reason, terms, email] of cases) {
      const code = await coupon(terms);
      const refused = await order(code, email);
      expect({ reason, status: refused.status, error: refused.body.error }).toEqual({
        reason,
        status: 409,
        error: { code: 'coupon_not_applicable', reason, message: expect.stringContaining(code), details: [{ path: 'coupon', reason }] },
      });
      expect((await detail(code)).counts).toEqual({ held: 0, redeemed: 0, released: 0 });
    }
    expect((await shop.ops.get('/v1/orders?email=alice@example.com')).body.items).toEqual([]);
    const unknown = await order('NO-SUCH-CODE');
    expect(unknown.body.error).toMatchObject({ code: 'coupon_not_applicable', reason: 'unknown', message: 'coupon NO-SUCH-CODE does not exist' });
    expect((await order('!')).body.error.details).toEqual([{ path: 'coupon', reason: expect.stringContaining('3-40 letters') }]);

    // A first-order coupon is once per buyer: a second order of the same new buyer is refused while the first holds it.
    const firstOnly = await coupon({ amountOff: CNY(500), firstOrderOnly: true });
    expect((await order(firstOnly, 'newbie@example.com')).status).toBe(201);
    expect((await order(firstOnly, 'newbie@example.com')).body.error).toMatchObject({ reason: 'already_used' });
  });

  it('a single-use coupon: held by an unpaid order, used up for others, freed by its cancel', async () => {
    await product();
    const code = await coupon({ amountOff: CNY(3_000), maxRedemptions: 1 });
    const holder = await placed(code, 'hana@example.com');
    expect((await order(code, 'ivan@example.com')).body.error).toMatchObject({ code: 'coupon_not_applicable', reason: 'used_up' });
    expectStatus(await holder.buyer.post(`/v1/orders/${holder.orderId}/cancel`, {}), 200, 'cancel');
    await eventually(async () => (await detail(code)).counts.released === 1, 'the hold given back');
    const taker = await placed(code, 'ivan@example.com');
    expect(taker.amount).toEqual(CNY(7_000));
    expect((await detail(code)).redemptions.map((r: { orderId: string; state: string; releasedBecause: string | null }) => [r.orderId, r.state, r.releasedBecause])).toEqual([
      [taker.orderId, 'held', null],
      [holder.orderId, 'released', 'cancelled'],
    ]);
  });

  it('a refund pays back what was paid; a compensation coupon used on a refunded order is usable again', async () => {
    await product();
    const { shop } = ctx;
    const { store, vault } = ctx.product;
    const grant = { grantKey: 'incident:inc-1:judy@example.com', buyerEmail: 'judy@example.com', terms: { amountOff: CNY(2_500) } };
    const granted = await grantCoupon(store, vault, grant);
    expect(granted).toEqual({ code: expect.stringMatching(/^G[2-9A-Z]{12}$/), created: true });
    expect(await grantCoupon(store, vault, grant)).toEqual({ code: granted.code, created: false });
    expect((await detail(granted.code)).granted).toBe(true);

    const bought = await placed(granted.code, 'judy@example.com');
    expect(bought.amount).toEqual(CNY(7_500));
    expect((await order(granted.code, 'judy@example.com')).body.error).toMatchObject({ reason: 'already_used' });
    await shop.pay(bought, { paymentId: 'pay-judy' });
    await shop.waitFor(bought.orderId, 'DELIVERED');
    await shop.refunded(bought);
    expect(provider.payouts(bought.orderId)).toEqual([{ refundId: `refund-${bought.orderId}-pay-judy`, orderId: bought.orderId, paymentId: 'pay-judy', amount: CNY(7_500) }]);

    const released = await eventually(async () => {
      const d = await detail(granted.code);
      return d.counts.released === 1 ? d : false;
    }, 'the coupon given back by the refund');
    expect(released.redemptions[0]).toMatchObject({ state: 'released', releasedBecause: 'refunded', redeemedAt: expect.any(String) });
    const again = await placed(granted.code, 'judy@example.com');
    expect(again.amount).toEqual(CNY(7_500));
  });

  it('the sales report counts the money actually paid and refunded', async () => {
    await product();
    const { shop } = ctx;
    const before = (await shop.ops.get('/v1/reports/sales')).body.totals;
    const code = await coupon({ amountOff: CNY(4_000) });
    const kept = await placed(code, 'kim@example.com');
    await shop.pay(kept);
    await shop.waitFor(kept.orderId, 'DELIVERED');
    const back = await placed(code, 'lee@example.com');
    await shop.pay(back);
    await shop.waitFor(back.orderId, 'DELIVERED');
    await shop.refunded(back);
    const totals = await eventually(async () => {
      const t = (await shop.ops.get('/v1/reports/sales')).body.totals;
      return t.refunds === before.refunds + 1 && t.paid === before.paid + 2 ? t : false;
    }, 'the report to count both orders');
    expect(totals.revenue.amount - before.revenue.amount).toBe(2 * 6_000);
    expect(totals.refunded.amount - before.refunded.amount).toBe(6_000);
  });

  describe('orders racing for the last redemptions', () => {
    let second: RunningApi;
    beforeAll(async () => {
      second = await startApi(ctx.product.config, ctx.product.logger);
    });
    afterAll(() => second?.stop());

    it('N concurrent orders through two APIs on a coupon of k redemptions: exactly k are taken, and k paid redemptions', async () => {
      await product();
      const N = 10;
      const k = 3;
      const code = await coupon({ amountOff: CNY(1_000), maxRedemptions: k });
      const shops = [ctx.shop, new Shop(new ApiClient(second.url), ctx.product.config.paymentWebhookSecret)];
      const answers = await Promise.all(Array.from({ length: N }, (_, i) => order(code, `racer${i}@example.com`, shops[i % 2])));
      const taken = answers.filter((a) => a.status === 201);
      const refused = answers.filter((a) => a.status !== 201);
      expect(taken).toHaveLength(k);
      expect(refused.map((a) => [a.status, a.body.error?.reason])).toEqual(Array.from({ length: N - k }, () => [409, 'used_up']));
      expect(await ctx.product.store.couponClaims.countDocuments({ code, kind: 'slot' })).toBe(k);

      for (const a of taken) await ctx.shop.pay({ orderId: a.body.orderId, amount: a.body.amount });
      const redeemed = await eventually(async () => {
        const d = await detail(code);
        return d.counts.redeemed === k ? d : false;
      }, `${k} redemptions`);
      expect(redeemed).toMatchObject({ counts: { held: 0, redeemed: k, released: 0 }, remaining: 0 });
      expect(new Set(redeemed.redemptions.map((r: { orderId: string }) => r.orderId))).toEqual(new Set(taken.map((a) => a.body.orderId)));
      expect((await order(code, 'late@example.com')).body.error).toMatchObject({ reason: 'used_up' });
    });
  });
});


