import { orderWorkflowId } from '../../domain/order';
import type { Product } from '../support/harness';
import { historyText } from '../support/history';
import { keyCodes, productWithShop, type PlacedOrder, type Shop } from '../support/orders';
import { FakeProvider } from '../support/provider';

/**
 * Refunds end to end with PAYMENT_PROVIDER=http: a buyer asks, an agent decides, the money goes back
 * through a provider (a real HTTP server) that fails its first calls, and each refund id is paid once.
 */
describe('refunds through an http payment provider', () => {
  const provider = new FakeProvider();
  provider.failFirst = 2;
  beforeAll(() => provider.start());
  afterAll(() => provider.stop());
  const ctx = productWithShop(() => ({ PAYMENT_PROVIDER: 'http', PAYMENT_PROVIDER_URL: provider.url }));
  let product: Product;
  let shop: Shop;
  const sku = 'gift-50';

  beforeAll(async () => {
    ({ product, shop } = ctx);
    await shop.product(sku, { price: { amount: 5000, currency: 'CNY' } }, keyCodes(10, 'GIFT'));
  });

  afterEach(() => {
    // However a test went, no refund id was ever paid out twice.
    expect(provider.honouredTwice()).toEqual([]);
    for (const call of provider.refundCalls) expect(call.body.refundId).toBe(call.idempotencyKey);
  });

  async function delivered(): Promise<PlacedOrder> {
    const order = await shop.order(sku);
    await shop.pay(order);
    await shop.waitFor(order.orderId, 'DELIVERED');
    return order;
  }

  const refundRequest = (order: PlacedOrder, reason: string) => order.buyer.post(`/v1/orders/${order.orderId}/refund-request`, { reason });
  const refundDecision = (order: PlacedOrder, approve: boolean, note?: string) =>
    shop.agent.post(`/v1/orders/${order.orderId}/refund-decision`, { approve, ...(note ? { note } : {}) });

  /** Each payment of the order refunded under one refund id, paid out exactly once. */
  function expectPaidOutOnce(orderId: string, paymentId: string, amount: unknown): void {
    const calls = provider.refundCalls.filter((c) => c.body.orderId === orderId);
    expect([...new Set(calls.map((c) => c.idempotencyKey))]).toEqual([`refund-${orderId}-${paymentId}`]);
    expect(calls.map((c) => c.answer)).toEqual(['failed', 'failed', 'paid']); // retried through the outage, then done
    expect(provider.payouts(orderId)).toEqual([{ refundId: `refund-${orderId}-${paymentId}`, orderId, paymentId, amount }]);
  }

  it('approved: the provider pays the refund once despite failing first, the keys are revoked, REFUNDED', async () => {
    const order = await delivered();
    expect((await order.buyer.get(`/v1/orders/${order.orderId}/keys`)).status).toBe(200);

    const asked = await refundRequest(order, 'the key says it was already used');
    expect(asked.status).toBe(202);
    expect(asked.body).toEqual({ status: 'REFUND_REQUESTED' });
    const decided = await refundDecision(order, true, 'supplier confirmed');
    expect(decided.status).toBe(200);

    const view = await shop.waitFor(order.orderId, 'REFUNDED');
    expectPaidOutOnce(order.orderId, 'pay-1', order.amount);
    expect((await order.buyer.get(`/v1/orders/${order.orderId}/keys`)).status).toBe(409);
    expect(view.refund).toMatchObject({
      status: 'REFUNDED',
      reason: 'the key says it was already used',
      decidedBy: 'dev-agent',
      note: 'supplier confirmed',
    });
    expect(view.refund?.refundedAt).toEqual(expect.any(String));
    expect(view.timeline.find((e) => e.type === 'refund_approved')).toMatchObject({ actor: 'dev-agent' });
    expect(view.timeline.find((e) => e.type === 'status:REFUNDED')).toMatchObject({ actor: 'dev-agent' });
    expect(await product.store.claims.find({ orderId: order.orderId }).lean()).toEqual([expect.objectContaining({ state: 'revoked' })]);
  });

  it('rejected: the order stays DELIVERED with the agent note, keys kept, nothing paid out', async () => {
    const order = await delivered();
    expect((await refundRequest(order, 'I bought the wrong card')).status).toBe(202);

    const decided = await refundDecision(order, false, 'the key has been redeemed');
    expect(decided.status).toBe(200);
    expect(decided.body).toEqual({ status: 'DELIVERED' });

    const view = await shop.view(order.orderId);
    expect(view.status).toBe('DELIVERED');
    expect(view.refund).toMatchObject({ status: 'REJECTED', decidedBy: 'dev-agent', note: 'the key has been redeemed' });
    expect(view.timeline.find((e) => e.type === 'refund_rejected')).toMatchObject({ actor: 'dev-agent', detail: 'the key has been redeemed' });
    expect((await order.buyer.get(`/v1/orders/${order.orderId}/keys`)).status).toBe(200);
    expect(provider.refundCalls.filter((c) => c.body.orderId === order.orderId)).toEqual([]);
  });

  it('409 for a request on an undelivered order, a second pending request, a decision with nothing pending; none leaves a trace in history', async () => {
    const order = await shop.order(sku);
    const early = await refundRequest(order, 'rejected-request-unpaid');
    expect(early.status).toBe(409);
    expect(early.body.error.message).toMatch(/AWAITING_PAYMENT/);
    expect((await refundDecision(order, true, 'rejected-decision-unpaid')).status).toBe(409);

    await shop.pay(order);
    await shop.waitFor(order.orderId, 'DELIVERED');
    const nothingPending = await refundDecision(order, true, 'rejected-decision-delivered');
    expect(nothingPending.status).toBe(409);
    expect(nothingPending.body.error.message).toMatch(/no refund request is pending/);
    expect((await refundRequest(order, 'accepted-request')).status).toBe(202);
    const second = await refundRequest(order, 'rejected-request-pending');
    expect(second.status).toBe(409);
    expect(second.body.error.message).toMatch(/already pending/);

    const view = await shop.view(order.orderId);
    expect(view.status).toBe('REFUND_REQUESTED');
    expect(view.refund).toMatchObject({ status: 'REQUESTED', reason: 'accepted-request' });

    const history = await product.client.workflow.getHandle(orderWorkflowId(order.orderId)).fetchHistory();
    const events = history.events ?? [];
    const accepted = events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    expect(accepted.map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name)).toEqual(['requestRefund']);
    expect(events.filter((e) => e.workflowExecutionUpdateRejectedEventAttributes)).toEqual([]);
    const text = historyText(history);
    expect(text).toContain('accepted-request'); // the accepted request is there, decoded
    for (const rejected of ['rejected-request-unpaid', 'rejected-decision-unpaid', 'rejected-decision-delivered', 'rejected-request-pending']) {
      expect(text).not.toContain(rejected);
    }
  });

  it('a paid buyer waiting for stock asks for the money back: 202 at once, paid out once, REFUNDED long before RESTOCK_WAIT', async () => {
    const emptySku = 'gift-none-left';
    await shop.product(emptySku, { price: { amount: 5000, currency: 'CNY' } });
    const order = await shop.order(emptySku);
    await shop.pay(order);
    const waiting = await shop.waitFor(order.orderId, 'OUT_OF_STOCK');
    expect(await refundRequest(order, '')).toMatchObject({ status: 400 }); // a reason is still required

    const asked = await refundRequest(order, 'I cannot wait any longer');
    expect(asked.status).toBe(202);
    expect(asked.body).toEqual({ status: 'REFUNDING' });

    const view = await shop.waitFor(order.orderId, 'REFUNDED');
    expectPaidOutOnce(order.orderId, 'pay-1', order.amount);
    expect(Date.parse(view.refund!.refundedAt!)).toBeLessThan(Date.parse(waiting.paidAt!) + product.config.restockWaitMs);
    expect(view.refund).toMatchObject({ status: 'REFUNDED', reason: 'I cannot wait any longer', decidedBy: 'system' });
    expect(view.timeline.find((e) => e.type === 'refund_requested')).toMatchObject({ actor: 'buyer', detail: 'I cannot wait any longer' });
    expect(await product.store.claims.countDocuments({ orderId: order.orderId })).toBe(0);
    const again = await refundRequest(order, 'once more');
    expect(again.status).toBe(409);
  });

  it('409 for a refund request once the refund window has closed', async () => {
    const shortSku = 'gift-short-window';
    await shop.product(shortSku, { refundWindow: '1s', complaintWindow: '2s' }, keyCodes(1, 'SHORT'));
    const order = await shop.order(shortSku);
    await shop.pay(order);
    await shop.waitClosed(product.client, order.orderId, 'COMPLETED');

    const late = await refundRequest(order, 'too late');
    expect(late.status).toBe(409);
    expect(late.body.error.message).toMatch(/COMPLETED/);
    expect((await order.buyer.get(`/v1/orders/${order.orderId}/keys`)).status).toBe(200);
  });

  it('cancel: 200 CANCELLED before payment, 409 after', async () => {
    const unpaid = await shop.order(sku);
    const cancelled = await unpaid.buyer.post(`/v1/orders/${unpaid.orderId}/cancel`, { reason: 'found it cheaper' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual({ status: 'CANCELLED' });
    const view = await shop.waitClosed(product.client, unpaid.orderId, 'CANCELLED');
    expect(view.timeline.find((e) => e.type === 'status:CANCELLED')).toMatchObject({ actor: 'buyer' });
    expect((await shop.storefront.post(`/v1/orders/${unpaid.orderId}/cancel`, {})).status).toBe(409);

    const paid = await delivered();
    const refused = await shop.storefront.post(`/v1/orders/${paid.orderId}/cancel`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/DELIVERED/);
    expect((await paid.buyer.post(`/v1/orders/${paid.orderId}/cancel`, {})).status).toBe(409);
    expect((await shop.view(paid.orderId)).status).toBe('DELIVERED');
  });

  /** An order cancelled (its workflow closed), then paid anyway: the stray path refunds it. */
  async function paidAfterCancel() {
    const order = await shop.order(sku);
    expect((await shop.storefront.post(`/v1/orders/${order.orderId}/cancel`, {})).status).toBe(200);
    await shop.waitClosed(product.client, order.orderId, 'CANCELLED');
    const late = await shop.pay(order, { paymentId: 'pay-late' });
    const stray = product.client.workflow.getHandle(`stray-payment-${order.orderId}-pay-late`);
    expect(await stray.result()).toBe('refunded');
    return { order, late, stray };
  }

  it('a success notice after cancellation is refunded once through the stray path, however often it is replayed', async () => {
    const { order, late, stray } = await paidAfterCancel();
    expectPaidOutOnce(order.orderId, 'pay-late', order.amount);

    const firstRun = (await stray.describe()).runId;
    await shop.notify(late);
    await shop.notify({ ...late, eventId: `${late.eventId}-resent` });
    expect((await stray.describe()).runId).toBe(firstRun);
    expectPaidOutOnce(order.orderId, 'pay-late', order.amount);

    // The order itself stays cancelled and holds nothing.
    expect((await shop.view(order.orderId)).status).toBe('CANCELLED');
    expect(await product.store.claims.countDocuments({ orderId: order.orderId })).toBe(0);
  });

  // The contract: "a success for an order that was already cancelled ... is refunded automatically and
  // shows in the timeline", also once the order's workflow has closed.
  it('a refunded success after cancellation shows in the closed order timeline', async () => {
    const { order } = await paidAfterCancel();
    const view = await shop.view(order.orderId);
    expect(view.timeline.find((e) => e.type === 'payment_refunded')?.detail).toContain('pay-late');
  });
});
