import { orderWorkflowId } from '../../../domain/order';
import { capturedLogs } from '../harness';
import { historyText } from '../history';
import { eventually, type Answer } from '../http';
import { expectStatus, keyCodes, productWithShop, timelineTypes, type PlacedOrder } from '../orders';
import type { ProviderStandIn } from './standIn';

/** The rail's orders wait this long for payment, so a lost notice is reconciled within the test. */
const PAYMENT_TIMEOUT = '10s';

/**
 * One provider's rail end to end over HTTP, against its stand-in (a real HTTP server speaking the
 * provider's protocol, with keys made for this run): paid and delivered, refunded once on request
 * through an outage, a lost notice reconciled, and every refusal the contract names.
 */
export function railSuite(standIn: ProviderStandIn): void {
  const method = standIn.method;
  beforeAll(() => standIn.start());
  afterAll(() => standIn.stop());
  const ctx = productWithShop(() => ({ ...standIn.env(), PUBLIC_BASE_URL: 'https://shop.example.test', PAYMENT_TIMEOUT }));
  const sku = `card-${method}`;
  const price = { amount: 5000, currency: 'CNY' };
  const answers: Answer[] = [];
  const orders: string[] = [];

  beforeAll(async () => {
    await ctx.shop.product(sku, { price }, keyCodes(20, method.toUpperCase()));
  });

  async function order(): Promise<PlacedOrder & { checkout: Record<string, string> | null }> {
    const answer = await ctx.shop.storefront.post('/v1/orders', { sku, buyer: { email: 'buyer@example.com' }, payment: { method } });
    answers.push(answer);
    expectStatus(answer, 201, `order on ${method}`);
    expect(answer.body.payment.method).toBe(method);
    orders.push(answer.body.orderId);
    const { orderId, orderToken, amount } = answer.body;
    return { orderId, orderToken, amount, buyer: ctx.shop.http.buyer(orderToken), checkout: answer.body.payment.checkout };
  }

  async function send(notice: Parameters<ProviderStandIn['send']>[1]): Promise<Answer> {
    const answer = await standIn.send(ctx.shop.http, notice);
    answers.push(answer);
    return answer;
  }

  async function paid(): Promise<PlacedOrder & { paymentId: string }> {
    const placed = await order();
    const notice = standIn.paidNotice(placed.orderId, {}, placed.amount);
    expect(standIn.acknowledged(await send(notice))).toBe(true);
    await ctx.shop.waitFor(placed.orderId, 'DELIVERED');
    return { ...placed, paymentId: standIn.trade(placed.orderId).paymentId };
  }

  it('answers the order with the checkout the buyer pays with at the provider', async () => {
    const placed = await order();
    expect(placed.checkout).not.toBeNull();
    standIn.checkoutFits(placed.checkout as Record<string, string>, placed);
    // The workflow keeps the same checkout (made once per order) and shows it in the order view.
    const view = await eventually(async () => {
      const v = await ctx.shop.view(placed.orderId);
      return v.payment?.checkout ? v : false;
    }, 'the checkout in the order view');
    expect(view.payment).toEqual({ method, checkout: placed.checkout });
  });

  it('a signed notice pays the order; the provider hears its acknowledgement, also for the same notice again', async () => {
    const placed = await order();
    const notice = standIn.paidNotice(placed.orderId, {}, placed.amount);
    expect(standIn.acknowledged(await send(notice))).toBe(true);
    const view = await ctx.shop.waitFor(placed.orderId, 'DELIVERED');
    const { paymentId } = standIn.trade(placed.orderId);
    expect(view.paymentId).toBe(paymentId);
    expect((await placed.buyer.get(`/v1/orders/${placed.orderId}/keys`)).status).toBe(200);

    // The provider retries a notice it thinks lost: the same bytes again change nothing.
    expect(standIn.acknowledged(await send(notice))).toBe(true);
    const after = await ctx.shop.noticesHandled(placed);
    expect(timelineTypes(after).filter((t) => t === 'payment_received')).toHaveLength(1);
    expect(after.status).toBe('DELIVERED');
    expect(standIn.payouts(placed.orderId)).toEqual([]);
  });

  it('a refund on request goes back through the rail exactly once, through a provider outage', async () => {
    const placed = await paid();
    standIn.failRefunds = 2;
    try {
      expect((await placed.buyer.post(`/v1/orders/${placed.orderId}/refund-request`, { reason: 'bought the wrong card' })).status).toBe(202);
      expect((await ctx.shop.agent.post(`/v1/orders/${placed.orderId}/refund-decision`, { approve: true })).status).toBe(200);
      const view = await ctx.shop.waitFor(placed.orderId, 'REFUNDED');
      expect(view.refund?.status).toBe('REFUNDED');
    } finally {
      standIn.failRefunds = 0;
    }
    const calls = standIn.refundCalls.filter((c) => c.orderId === placed.orderId);
    expect(calls.slice(0, 3).map((c) => c.answer)).toEqual(['failed', 'failed', 'paid']);
    expect(calls.filter((c) => c.answer === 'paid')).toEqual([expect.objectContaining({ paymentId: placed.paymentId, amount: price.amount })]);
    // One refund id (易支付 V1 has none: it is asked before sending again), never paid twice.
    expect(new Set(calls.map((c) => c.key)).size).toBe(1);
    if (method !== 'epay') expect(calls[0].key).toBe(`refund-${placed.orderId}-${placed.paymentId}`);
    expect((await placed.buyer.get(`/v1/orders/${placed.orderId}/keys`)).status).toBe(409);
  });

  it('a refund the provider refuses for good leaves the order REFUNDING with attention, listed on /v1/ops/stuck, not asked again at once', async () => {
    const placed = await paid();
    standIn.refuseRefunds = true;
    try {
      expect((await placed.buyer.post(`/v1/orders/${placed.orderId}/refund-request`, { reason: 'bought the wrong card' })).status).toBe(202);
      expect((await ctx.shop.agent.post(`/v1/orders/${placed.orderId}/refund-decision`, { approve: true })).status).toBe(200);
      const view = await eventually(async () => {
        const v = await ctx.shop.view(placed.orderId);
        return v.attention ? v : false;
      }, 'the refused refund shown on the order');
      expect(view.status).toBe('REFUNDING');
      expect(view.attention?.reason).toMatch(new RegExp(`the provider refused refund .*${method}`));
      expect(timelineTypes(view)).toContain('refund_refused');
      const stuck = await eventually(async () => {
        const answer = await ctx.shop.ops.get('/v1/ops/stuck?olderThan=1h');
        return answer.body.items.find((i: { orderId: string }) => i.orderId === placed.orderId) ?? false;
      }, 'the order on /v1/ops/stuck');
      expect(stuck).toMatchObject({ status: 'REFUNDING', needsAttention: view.attention?.reason });
      // Refused once, then left for a person (asked again in an hour), not retried at once.
      expect(standIn.refundCalls.filter((c) => c.orderId === placed.orderId).map((c) => c.answer)).toEqual(['refused']);
      expect(standIn.payouts(placed.orderId)).toEqual([]);
    } finally {
      standIn.refuseRefunds = false;
    }
  });

  it('a payment whose notice is lost is found by asking the rail at the due time', async () => {
    const placed = await order();
    const trade = standIn.markPaid(placed.orderId, placed.amount);
    const view = await eventually(async () => {
      const v = await ctx.shop.view(placed.orderId);
      return v.status === 'DELIVERED' ? v : false;
    }, `${placed.orderId} reconciled and delivered`, 60_000);
    expect(view.paymentId).toBe(trade.paymentId);
    expect(timelineTypes(view)).toEqual(expect.arrayContaining(['payment_due', 'payment_received']));
    // Paid from when the provider says the buyer paid, not from when the order asked at its due time.
    expect(view.paidAt).toBe(trade.paidAt);
    expect(standIn.lookups).toContain(placed.orderId);
  });

  it("an order cancelled without its notice, paid at the provider after all, is made good by an incident's reconciliation, once", async () => {
    const startedAt = new Date().toISOString();
    const placed = await order();
    await ctx.shop.waitClosed(ctx.product.client, placed.orderId, 'CANCELLED');
    // The provider settled the buyer's payment late and lost its notice: only its query shows it.
    const trade = standIn.markPaid(placed.orderId, placed.amount);
    const declared = await ctx.shop.ops.post('/v1/incidents', { title: `${method} notices lost`, cause: 'payment_provider', startedAt, publicNote: 'Some payments were confirmed late.' });
    expectStatus(declared, 201, 'declare an incident');
    const reconcile = () => ctx.shop.ops.post(`/v1/incidents/${declared.body.incidentId}/reconcile`, {});
    expectStatus(await reconcile(), 202, 'reconcile');
    const view = await ctx.shop.waitFor(placed.orderId, 'DELIVERED');
    expect(view.paymentId).toBe(trade.paymentId);
    expect(timelineTypes(view)).toEqual(expect.arrayContaining(['payment_due', 'status:CANCELLED', 'payment_found_late']));
    expect(standIn.lookups.filter((id) => id === placed.orderId).length).toBeGreaterThanOrEqual(2);
    expectStatus(await reconcile(), 202, 'reconcile again');
    const passes = await eventually(async () => {
      const seen = (await ctx.shop.ops.get(`/v1/incidents/${declared.body.incidentId}`)).body.timeline.filter((e: { type: string }) => e.type === 'reconciled');
      return seen.length === 2 ? seen : false;
    }, 'two reconciliations');
    expect(passes.map((e: { detail: string }) => e.detail)).toEqual([
      '1 order(s) cancelled without a payment notice asked at their provider: 1 paid there and made good, 0 not paid, 0 already handled',
      '1 order(s) cancelled without a payment notice asked at their provider: 0 paid there and made good, 0 not paid, 1 already handled',
    ]);
    expect(standIn.payouts(placed.orderId)).toEqual([]);
  });

  it('forged and tampered notices are refused and record nothing', async () => {
    const placed = await order();
    const forged = await send(standIn.paidNotice(placed.orderId, { forged: true }, placed.amount));
    expect(forged.status).toBe(standIn.refusedStatus);
    const tampered = await send(standIn.tamper(standIn.paidNotice(placed.orderId, {}, placed.amount)));
    expect(tampered.status).toBe(standIn.refusedStatus);
    const view = await ctx.shop.noticesHandled(placed);
    expect(view.status).toBe('AWAITING_PAYMENT');
    expect(timelineTypes(view)).not.toEqual(expect.arrayContaining(['payment_received']));
    expect(timelineTypes(view).filter((t) => t.startsWith('payment_') && t !== 'payment_failed')).toEqual([]);
    await ctx.shop.storefront.post(`/v1/orders/${placed.orderId}/cancel`, {});
  });

  it("a notice for another merchant is refused, even when the provider signed it", async () => {
    const placed = await order();
    const answer = await send(standIn.paidNotice(placed.orderId, { otherMerchant: true }, placed.amount));
    expect(answer.status).toBe(standIn.refusedStatus);
    const view = await ctx.shop.noticesHandled(placed);
    expect(view.status).toBe('AWAITING_PAYMENT');
    expect(view.paymentId).toBeUndefined();
    await ctx.shop.storefront.post(`/v1/orders/${placed.orderId}/cancel`, {});
  });

  it('a payment of the wrong amount does not pay the order and is refunded through the rail', async () => {
    const placed = await order();
    const notice = standIn.paidNotice(placed.orderId, { amount: price.amount - 1 }, placed.amount);
    expect(standIn.acknowledged(await send(notice))).toBe(true);
    const view = await eventually(async () => {
      const v = await ctx.shop.view(placed.orderId);
      return timelineTypes(v).includes('payment_refunded') ? v : false;
    }, 'the mismatched payment refunded');
    expect(timelineTypes(view)).toContain('payment_amount_mismatch');
    expect(view.paymentId).toBeUndefined();
    expect(standIn.payouts(placed.orderId)).toEqual([expect.objectContaining({ amount: price.amount - 1 })]);
  });

  if (method === 'wechatpay' || method === 'stripe') {
    it('a notice signed long ago (a replay) is refused as stale', async () => {
      const placed = await order();
      const answer = await send(standIn.paidNotice(placed.orderId, { agedSeconds: 600 }, placed.amount));
      expect(answer.status).toBe(standIn.refusedStatus);
      const view = await ctx.shop.noticesHandled(placed);
      expect(view.paymentId).toBeUndefined();
      await ctx.shop.storefront.post(`/v1/orders/${placed.orderId}/cancel`, {});
    });

    it('a provider unreachable at creation: the order starts, and its checkout shows once the provider answers', async () => {
      standIn.down = true;
      let placed: Awaited<ReturnType<typeof order>>;
      try {
        placed = await order();
        expect(placed.checkout).toBeNull();
      } finally {
        standIn.down = false;
      }
      const view = await eventually(async () => {
        const v = await ctx.shop.view(placed.orderId);
        return v.payment?.checkout ? v : false;
      }, 'the checkout made by the workflow');
      standIn.checkoutFits(view.payment?.checkout as Record<string, string>, placed);
      await ctx.shop.storefront.post(`/v1/orders/${placed.orderId}/cancel`, {});
    });
  }

  it('a cancelled order is closed at the provider, so it cannot be paid late', async () => {
    const placed = await order();
    standIn.checkoutFits(placed.checkout as Record<string, string>, placed); // the buyer opened the checkout
    expect((await ctx.shop.storefront.post(`/v1/orders/${placed.orderId}/cancel`, { reason: 'changed my mind' })).status).toBe(200);
    const view = await eventually(async () => {
      const v = await ctx.shop.view(placed.orderId);
      return timelineTypes(v).some((t) => t.startsWith('provider_order_')) ? v : false;
    }, 'the provider order closed');
    expect(view.status).toBe('CANCELLED');
    if (method === 'epay') {
      // 易支付 V1 has no close: the gateway's own expiry ends it; a late payment is refunded.
      expect(timelineTypes(view)).toContain('provider_order_expires');
      expect(standIn.closed.has(placed.orderId)).toBe(false);
    } else {
      expect(timelineTypes(view)).toContain('provider_order_closed');
      expect(standIn.closed.has(placed.orderId)).toBe(true);
    }
  });

  it('an Idempotency-Key replays the same order and checkout; the same key for another rail is a conflict', async () => {
    const key = `idem-${method}-${Date.now()}`;
    const body = { sku, buyer: { email: 'buyer@example.com' }, payment: { method } };
    const first = await ctx.shop.storefront.post('/v1/orders', body, { 'idempotency-key': key });
    expectStatus(first, 201, 'first order');
    orders.push(first.body.orderId);
    const again = await ctx.shop.storefront.post('/v1/orders', body, { 'idempotency-key': key });
    expectStatus(again, 200, 'the same order again');
    expect(again.body).toMatchObject({ orderId: first.body.orderId, orderToken: first.body.orderToken, payment: { method } });
    if (first.body.payment.checkout) expect(again.body.payment.checkout).toEqual(first.body.payment.checkout);
    const generic = await ctx.shop.storefront.post('/v1/orders', { ...body, payment: { method: 'generic' } }, { 'idempotency-key': key });
    expect(generic.status).toBe(409);
    await ctx.shop.storefront.post(`/v1/orders/${first.body.orderId}/cancel`, {});
  });

  it('an order naming a rail that is off is refused, naming payment.method', async () => {
    const off = (['alipay', 'wechatpay', 'stripe', 'epay'] as const).find((m) => m !== method);
    const answer = await ctx.shop.storefront.post('/v1/orders', { sku, buyer: { email: 'buyer@example.com' }, payment: { method: off } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details).toEqual([expect.objectContaining({ path: 'payment.method' })]);
  });

  it('no secret of the rail shows in a log line, a workflow history or an answer', async () => {
    expect(orders.length).toBeGreaterThan(3);
    const histories = await Promise.all(orders.map((id) => ctx.product.client.workflow.getHandle(orderWorkflowId(id)).fetchHistory()));
    const text = [capturedLogs.join(''), ...histories.map(historyText), ...answers.map((a) => JSON.stringify(a.body))].join('\n');
    expect(text).toContain(orders[0]); // the haystack is the real one
    for (const secret of standIn.secrets()) expect(text).not.toContain(secret);
  });
}
