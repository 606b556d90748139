import { complaintWorkflowId } from '../../../domain/complaint';
import { disputeWorkflowId } from '../../../domain/dispute';
import { MERCHANT } from '../../../domain/searchAttributes';
import { orderWorkflowId } from '../../../domain/order';
import { capturedLogs } from '../../support/harness';
import { historyText } from '../../support/history';
import { randomId } from '../../support/rails/standIn';
import { StripeStandIn } from '../../support/rails/stripe';
import { eventually, type Answer } from '../../support/http';
import { expectStatus, keyCodes, productWithShop, timelineTypes, type PlacedOrder } from '../../support/orders';

/**
 * Stripe disputes end to end over HTTP: events signed with the stripe SDK at the webhook, the order
 * found through the PaymentIntent at the Stripe stand-in (a real HTTP server), the complaint in the
 * agents' queue, and the money: refunds held while the bank decides, none sent after a lost dispute.
 */
describe('Stripe disputes become complaints', () => {
  const stripe = new StripeStandIn();
  beforeAll(() => stripe.start());
  afterAll(() => stripe.stop());
  const ctx = productWithShop(() => ({ ...stripe.env(), PUBLIC_BASE_URL: 'https://shop.example.test' }));
  const price = { amount: 5000, currency: 'CNY' };
  const SKU = 'card-disputed';
  const SHORT = 'card-disputed-short'; // windows of a second: its orders complete and close at once

  beforeAll(async () => {
    await ctx.shop.product(SKU, { price }, keyCodes(12, 'DSP'));
    await ctx.shop.product(SHORT, { price, refundWindow: '1s', complaintWindow: '1s' }, keyCodes(4, 'DSS'));
  });

  async function paidOrder(sku = SKU): Promise<PlacedOrder & { paymentId: string }> {
    const answer = await ctx.shop.storefront.post('/v1/orders', { sku, buyer: { email: 'buyer@example.com' }, payment: { method: 'stripe' } });
    expectStatus(answer, 201, 'stripe order');
    const { orderId, orderToken, amount } = answer.body;
    expect(stripe.acknowledged(await stripe.send(ctx.shop.http, stripe.paidNotice(orderId, {}, amount)))).toBe(true);
    await ctx.shop.waitFor(orderId, 'DELIVERED');
    return { orderId, orderToken, amount, buyer: ctx.shop.http.buyer(orderToken), paymentId: stripe.trade(orderId).paymentId };
  }

  const disputes: string[] = [];
  const answers: Answer[] = [];

  async function send(notice: ReturnType<StripeStandIn['disputeEvent']>): Promise<Answer> {
    const id = JSON.parse(notice.body).data.object.id as string;
    if (!disputes.includes(id)) disputes.push(id);
    const answer = await stripe.send(ctx.shop.http, notice);
    answers.push(answer);
    return answer;
  }

  /** Every complaint on the order, open or closed, as the agents' queue lists them. */
  async function complaintsOn(orderId: string): Promise<any[]> {
    const open = await ctx.shop.agent.get('/v1/complaints?limit=100');
    const closed = await ctx.shop.agent.get('/v1/complaints?status=CLOSED&limit=100');
    expectStatus(open, 200, 'the queue');
    return [...open.body.items, ...closed.body.items].filter((c: any) => c.orderId === orderId);
  }

  function queued(orderId: string, ready: (c: any) => boolean, what: string): Promise<any> {
    return eventually(async () => {
      const found = await complaintsOn(orderId);
      return found.length > 0 && ready(found[0]) ? found : false;
    }, what);
  }

  async function disputeDone(source: 'stripe_dispute', id: string): Promise<void> {
    await ctx.product.client.workflow.getHandle(disputeWorkflowId(source, id)).result();
  }

  it('a dispute on a delivered order opens a complaint in the queue, holds refunds, and a lost one ends the order REFUNDED by the bank with no refund sent', async () => {
    const order = await paidOrder();
    const dueBy = new Date(Date.now() + 7 * 86_400_000);
    dueBy.setUTCMilliseconds(0);
    const id = randomId('dp_', 8);
    const created = stripe.disputeEvent('charge.dispute.created', order.orderId, { id, status: 'needs_response', reason: 'product_not_received', dueBy });
    expect(stripe.acknowledged(await send(created))).toBe(true);

    const [complaint] = await queued(order.orderId, () => true, 'the dispute in the agents queue');
    expect(complaint).toMatchObject({
      source: 'stripe_dispute',
      external: { id },
      category: 'payment_issue',
      status: 'OPEN',
      resolutionDueAt: dueBy.toISOString(),
      dispute: { source: 'stripe_dispute', id, reason: 'product_not_received', status: 'needs_response' },
      orderStatus: 'DELIVERED',
      amount: price,
      waitingOn: 'agent',
    });
    expect(complaint.description).toContain('product_not_received');
    expect(complaint.messages[0]).toMatchObject({ from: 'system' });
    const view = await eventually(async () => {
      const v = await ctx.shop.view(order.orderId);
      return timelineTypes(v).includes('payment_disputed') ? v : false;
    }, 'the order told of the dispute');
    expect(view.complaints).toContain(complaint.complaintId);
    // Found in the Temporal UI with its order's merchant, like a complaint the buyer filed.
    const described = await ctx.product.client.workflow.getHandle(complaintWorkflowId(complaint.complaintId)).describe();
    expect(described.typedSearchAttributes.get(MERCHANT)).toBe('default');

    // Stripe resends the event, and sends another that changes nothing: still one complaint.
    expect(stripe.acknowledged(await send(created))).toBe(true);
    expect(stripe.acknowledged(await send(stripe.disputeEvent('charge.dispute.created', order.orderId, { id, status: 'needs_response', reason: 'product_not_received', dueBy })))).toBe(true);

    // While the bank decides, the product refunds nothing: not on the buyer's request, not on the agent's remedy.
    const asked = await order.buyer.post(`/v1/orders/${order.orderId}/refund-request`, { reason: 'I disputed it too' });
    expect(asked.status).toBe(409);
    expect(asked.body.error.message).toMatch(/disputed/);
    const remedy = await ctx.shop.remedy(complaint.complaintId, 'resolve_refund');
    expect(remedy.status).toBe(409);
    expect(remedy.body.error.message).toMatch(/dispute/);
    // The buyer's own complaint would be a second one: the dispute's is the order's open complaint.
    const filed = await order.buyer.post(`/v1/orders/${order.orderId}/complaints`, { category: 'other', description: 'me too' });
    expect(filed.status).toBe(409);
    expect(filed.body.error.message).toContain(complaint.complaintId);

    expect(stripe.acknowledged(await send(stripe.disputeEvent('charge.dispute.updated', order.orderId, { id, status: 'under_review', reason: 'product_not_received', dueBy })))).toBe(true);
    await queued(order.orderId, (c) => c.dispute.status === 'under_review', 'the dispute under review');

    const closed = stripe.disputeEvent('charge.dispute.closed', order.orderId, { id, status: 'lost', reason: 'product_not_received', dueBy });
    expect(stripe.acknowledged(await send(closed))).toBe(true);
    const refunded = await ctx.shop.waitFor(order.orderId, 'REFUNDED');
    expect(refunded.refund).toMatchObject({ status: 'REFUNDED', decidedBy: 'stripe_dispute' });
    expect(timelineTypes(refunded)).toEqual(expect.arrayContaining(['dispute_lost', 'charged_back']));
    expect(stripe.payouts(order.orderId)).toEqual([]); // the bank paid the buyer back; we sent nothing
    expect(stripe.refundCalls.filter((c) => c.orderId === order.orderId)).toEqual([]);
    expect((await order.buyer.get(`/v1/orders/${order.orderId}/keys`)).status).toBe(409);

    const [after] = await queued(order.orderId, (c) => c.dispute.outcome === 'lost', 'the outcome on the complaint');
    expect(after).toMatchObject({ status: 'RESOLVED', resolution: 'refunded', dispute: { outcome: 'lost', status: 'lost' } });
    expect(after.messages.at(-1).text).toMatch(/lost/);
    await disputeDone('stripe_dispute', id);
    expect(await complaintsOn(order.orderId)).toHaveLength(1);
    const ended = await ctx.product.client.workflow.getHandle(disputeWorkflowId('stripe_dispute', id)).describe();

    // A replay of the closing event after the dispute ended: acknowledged, nothing changes, and the
    // dispute's workflow is not started again.
    expect(stripe.acknowledged(await send(closed))).toBe(true);
    expect(stripe.acknowledged(await send(created))).toBe(true);
    const still = await ctx.product.client.workflow.getHandle(disputeWorkflowId('stripe_dispute', id)).describe();
    expect({ runId: still.runId, status: still.status.name }).toEqual({ runId: ended.runId, status: 'COMPLETED' });
    expect(await complaintsOn(order.orderId)).toHaveLength(1);
    expect(stripe.payouts(order.orderId)).toEqual([]);
    const stock = await ctx.shop.stock(SKU);
    expect(stock.revoked).toBe(1);
  });

  it('a refund Stripe refuses because the charge is disputed waits for the dispute; lost, the order is refunded by the bank and nothing is sent', async () => {
    const order = await paidOrder();
    expect((await order.buyer.post(`/v1/orders/${order.orderId}/refund-request`, { reason: 'never arrived' })).status).toBe(202);
    // The buyer also went to their bank: the dispute exists at Stripe before its webhook reaches us.
    stripe.disputed.add(order.paymentId);
    const approved = await ctx.shop.agent.post(`/v1/orders/${order.orderId}/refund-decision`, { approve: true });
    expect(approved.status).toBe(200);
    const waiting = await eventually(async () => {
      const v = await ctx.shop.view(order.orderId);
      return v.attention ? v : false;
    }, 'the refused refund shown to ops');
    expect(waiting.status).toBe('REFUNDING');
    expect(waiting.attention?.reason).toMatch(/disputed/);

    const id = randomId('dp_', 8);
    await send(stripe.disputeEvent('charge.dispute.created', order.orderId, { id, status: 'needs_response', reason: 'product_not_received' }));
    await queued(order.orderId, () => true, 'the dispute in the queue');
    await send(stripe.disputeEvent('charge.dispute.closed', order.orderId, { id, status: 'lost', reason: 'product_not_received' }));
    const refunded = await ctx.shop.waitFor(order.orderId, 'REFUNDED');
    expect(refunded.attention).toBeUndefined();
    expect(refunded.refund).toMatchObject({ status: 'REFUNDED', decidedBy: 'stripe_dispute' });
    expect(timelineTypes(refunded)).toEqual(expect.arrayContaining(['refund_refused', 'charged_back']));
    expect(stripe.payouts(order.orderId)).toEqual([]);
    // Asked once, refused, and never paid.
    const asked = stripe.server.requests.filter((r) => r.path === '/v1/refunds' && new URLSearchParams(r.raw).get('payment_intent') === order.paymentId);
    expect(asked.length).toBeGreaterThan(0);
  });

  it('events out of order (closed before created) and racing duplicates settle the dispute once', async () => {
    const order = await paidOrder();
    const id = randomId('dp_', 8);
    const closed = stripe.disputeEvent('charge.dispute.closed', order.orderId, { id, status: 'lost', reason: 'credit_not_processed' });
    const created = stripe.disputeEvent('charge.dispute.created', order.orderId, { id, status: 'needs_response', reason: 'credit_not_processed' });
    // Stripe's retry of it races the first delivery.
    for (const answer of await Promise.all([send(closed), send(closed)])) expect(stripe.acknowledged(answer)).toBe(true);
    await disputeDone('stripe_dispute', id);
    expect(stripe.acknowledged(await send(created))).toBe(true);
    const refunded = await ctx.shop.waitFor(order.orderId, 'REFUNDED');
    expect(timelineTypes(refunded).filter((t) => t === 'charged_back')).toHaveLength(1);
    // The complaint hears the outcome from the dispute beside the order, not through it: it may settle a moment after.
    const found = await eventually(async () => {
      const all = await complaintsOn(order.orderId);
      return all.some((c) => c.status !== 'OPEN') ? all : false;
    }, 'the complaint told the outcome');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ status: 'RESOLVED', resolution: 'refunded', dispute: { outcome: 'lost' } });
    expect(stripe.payouts(order.orderId)).toEqual([]);
  });

  it('a dispute won leaves the money with the shop and the buyer may ask for a refund again', async () => {
    const order = await paidOrder();
    const id = randomId('dp_', 8);
    await send(stripe.disputeEvent('charge.dispute.created', order.orderId, { id, status: 'warning_needs_response', reason: 'fraudulent', dueBy: null }));
    await queued(order.orderId, () => true, 'the dispute opened');
    expect(stripe.acknowledged(await send(stripe.disputeEvent('charge.dispute.closed', order.orderId, { id, status: 'won', reason: 'fraudulent' })))).toBe(true);
    const [complaint] = await queued(order.orderId, (c) => c.dispute.outcome === 'won', 'the dispute won');
    expect(complaint).toMatchObject({ status: 'RESOLVED', resolution: 'rejected', source: 'stripe_dispute' });
    await disputeDone('stripe_dispute', id);
    const view = await ctx.shop.view(order.orderId);
    expect(view.status).toBe('DELIVERED');
    expect(timelineTypes(view)).toContain('dispute_won');
    expect((await order.buyer.post(`/v1/orders/${order.orderId}/refund-request`, { reason: 'changed my mind' })).status).toBe(202);
  });

  it('a dispute attaches to the complaint the buyer already has open on the order', async () => {
    const order = await paidOrder();
    const filed = await order.buyer.post(`/v1/orders/${order.orderId}/complaints`, { category: 'key_invalid', description: 'the key does not work' });
    expectStatus(filed, 201, 'the buyer complaint');
    await queued(order.orderId, () => true, 'the buyer complaint projected');
    const id = randomId('dp_', 8);
    await send(stripe.disputeEvent('charge.dispute.created', order.orderId, { id, status: 'needs_response', reason: 'product_unacceptable' }));
    const [complaint] = await queued(order.orderId, (c) => c.dispute?.id === id, 'the dispute on the open complaint');
    expect(complaint).toMatchObject({ complaintId: filed.body.complaintId, source: 'buyer', external: { id } });
    expect(complaint.messages.at(-1).text).toContain(id);
    expect(await complaintsOn(order.orderId)).toHaveLength(1);
  });

  it('a dispute on an order whose workflow has long closed opens a complaint from the read model; lost, its keys are revoked and nothing is refunded', async () => {
    const order = await paidOrder(SHORT);
    const completed = await ctx.shop.waitClosed(ctx.product.client, order.orderId, 'COMPLETED');
    expect(completed.status).toBe('COMPLETED');
    const revokedBefore = (await ctx.shop.stock(SHORT)).revoked;

    const id = randomId('dp_', 8);
    await send(stripe.disputeEvent('charge.dispute.created', order.orderId, { id, status: 'needs_response', reason: 'fraudulent' }));
    const [complaint] = await queued(order.orderId, () => true, 'the dispute on the closed order');
    expect(complaint).toMatchObject({ source: 'stripe_dispute', external: { id }, orderStatus: 'COMPLETED', sku: SHORT, status: 'OPEN' });
    const noted = await eventually(async () => {
      const v = await ctx.shop.view(order.orderId);
      return timelineTypes(v).includes('payment_disputed') ? v : false;
    }, 'the closed order noted the dispute');
    expect(noted.status).toBe('COMPLETED');
    // The closed order was not started again.
    const described = await ctx.product.client.workflow.getHandle(orderWorkflowId(order.orderId)).describe();
    expect(described.status.name).toBe('COMPLETED');

    await send(stripe.disputeEvent('charge.dispute.closed', order.orderId, { id, status: 'lost', reason: 'fraudulent' }));
    await disputeDone('stripe_dispute', id);
    const [after] = await queued(order.orderId, (c) => c.dispute.outcome === 'lost', 'the outcome recorded');
    expect(after).toMatchObject({ resolution: 'refunded', status: 'RESOLVED' });
    const view = await ctx.shop.view(order.orderId);
    expect(timelineTypes(view)).toContain('charged_back');
    expect((await ctx.shop.stock(SHORT)).revoked).toBe(revokedBefore + 1);
    expect(stripe.payouts(order.orderId)).toEqual([]);
  });

  it('an event for a connected account, or of the other mode, is refused with a 400 naming the field, and changes nothing', async () => {
    const order = await paidOrder();
    const id = randomId('dp_', 8);
    const connected = await send(stripe.disputeEvent('charge.dispute.created', order.orderId, { id, status: 'needs_response' }, { account: 'acct_someone_else' }));
    expect(connected.status).toBe(400);
    expect(connected.body.error).toMatchObject({ code: 'wrong_merchant', details: [expect.objectContaining({ path: 'account' })] });
    expect(connected.body.error.message).toContain('acct_someone_else');
    const live = await send(stripe.disputeEvent('charge.dispute.created', order.orderId, { id, status: 'needs_response' }, { livemode: true }));
    expect(live.status).toBe(400);
    expect(live.body.error).toMatchObject({ code: 'wrong_merchant', details: [expect.objectContaining({ path: 'livemode' })] });
    expect(live.body.error.message).toMatch(/live-mode event; this shop runs Stripe in test mode/);

    // A payment of the other mode does not pay an order either.
    const unpaid = await ctx.shop.storefront.post('/v1/orders', { sku: SKU, buyer: { email: 'buyer@example.com' }, payment: { method: 'stripe' } });
    expectStatus(unpaid, 201, 'an unpaid order');
    const trade = stripe.trade(unpaid.body.orderId);
    const livePaid = stripe.event('payment_intent.succeeded', { ...stripe.intents.get(trade.paymentId), status: 'succeeded', amount_received: price.amount }, {}, undefined, true);
    const refused = await stripe.send(ctx.shop.http, livePaid);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('wrong_merchant');

    // Nothing changed: no dispute workflow, no complaint, the paid order untouched, the unpaid one unpaid.
    await expect(ctx.product.client.workflow.getHandle(disputeWorkflowId('stripe_dispute', id)).describe()).rejects.toThrow();
    expect(await complaintsOn(order.orderId)).toEqual([]);
    const view = await ctx.shop.noticesHandled(order);
    expect(view.status).toBe('DELIVERED');
    expect(timelineTypes(view)).not.toContain('payment_disputed');
    const still = await ctx.shop.noticesHandled({ orderId: unpaid.body.orderId, amount: unpaid.body.amount });
    expect(still.status).toBe('AWAITING_PAYMENT');
    expect(still.paymentId).toBeUndefined();
    await ctx.shop.storefront.post(`/v1/orders/${unpaid.body.orderId}/cancel`, {});
  });

  it('no Stripe secret shows in a log line, a dispute workflow history or an answer', async () => {
    const started = [];
    for (const id of disputes) {
      const handle = ctx.product.client.workflow.getHandle(disputeWorkflowId('stripe_dispute', id));
      const history = await handle.fetchHistory().catch(() => undefined); // refused events started none
      if (history) started.push(historyText(history));
    }
    expect(started.length).toBeGreaterThan(3);
    const text = [capturedLogs.join(''), ...started, ...answers.map((a) => JSON.stringify(a.body))].join('\n');
    expect(text).toContain(disputes[0]); // the haystack is the real one
    for (const secret of stripe.secrets()) expect(text).not.toContain(secret);
  });
});
