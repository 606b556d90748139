import type { Product } from '../support/harness';
import { eventually } from '../support/http';
import { keyCodes, productWithShop, type Shop } from '../support/orders';
import { FakeProvider } from '../support/provider';

/**
 * Money that waits never blocks money that is owed: a payment whose refund the provider refuses
 * (its own workflow, asked again hourly, listed for ops) never holds up the order's own payment, and
 * a stray payment's refused refund is seen, not lost. And an order is readable the moment it is taken.
 */
describe('refunds the provider refuses, over HTTP with an http payment provider', () => {
  const provider = new FakeProvider();
  beforeAll(() => provider.start());
  afterAll(() => provider.stop());
  const ctx = productWithShop(() => ({ PAYMENT_PROVIDER: 'http', PAYMENT_PROVIDER_URL: provider.url }));
  let product: Product;
  let shop: Shop;
  const sku = 'blocked-not';

  beforeAll(async () => {
    ({ product, shop } = ctx);
    await shop.product(sku, { price: { amount: 3000, currency: 'CNY' } }, keyCodes(10, 'NOTBLOCKED'));
  });
  afterEach(() => {
    provider.refuseRefunds = false;
  });

  async function attention(): Promise<{ kind: string; orderId: string; paymentId: string; refundId: string; reason: string; since: string }[]> {
    const answer = await shop.ops.get('/v1/ops/attention');
    expect(answer.status).toBe(200);
    return answer.body.items;
  }

  async function metric(kind: string): Promise<number> {
    const text = (await shop.ops.get('/metrics')).body as string;
    const line = text.split('\n').find((l) => l.startsWith(`kamiflow_refunds_needing_attention{kind="${kind}"}`));
    return Number(line?.split(' ')[1]);
  }

  it('a wrong-amount payment whose refund is refused, then the right one: the order is delivered, the refused refund is listed', async () => {
    provider.refuseRefunds = true;
    const order = await shop.order(sku);
    await shop.pay(order, { paymentId: 'pay-short', eventId: `${order.orderId}-short`, amount: { amount: 1, currency: 'CNY' } });
    await eventually(async () => provider.refundCalls.some((c) => c.body.paymentId === 'pay-short' && c.answer === 'refused'), 'the short payment refund refused');
    await shop.pay(order, { paymentId: 'pay-right', eventId: `${order.orderId}-right` });

    const view = await shop.waitFor(order.orderId, 'DELIVERED');
    expect(view.paymentId).toBe('pay-right');
    expect((await order.buyer.get(`/v1/orders/${order.orderId}/keys`)).status).toBe(200);
    const listed = await eventually(async () => (await attention()).find((a) => a.paymentId === 'pay-short'), 'the refused refund listed');
    expect(listed).toMatchObject({ kind: 'unwanted', orderId: order.orderId, refundId: `refund-${order.orderId}-pay-short`, reason: expect.stringContaining('refused') });
    expect(await metric('unwanted')).toBeGreaterThanOrEqual(1);
    // The order's own attention is not raised: it owes nothing.
    expect(view.attention).toBeUndefined();
  });

  it('two payments in the same instant, the second refused its refund: the order is delivered all the same', async () => {
    provider.refuseRefunds = true;
    const order = await shop.order(sku);
    await Promise.all([
      shop.pay(order, { paymentId: 'pay-a', eventId: `${order.orderId}-a` }),
      shop.pay(order, { paymentId: 'pay-b', eventId: `${order.orderId}-b` }),
    ]);
    const view = await shop.waitFor(order.orderId, 'DELIVERED');
    const second = view.paymentId === 'pay-a' ? 'pay-b' : 'pay-a';
    await eventually(async () => (await attention()).some((a) => a.paymentId === second && a.orderId === order.orderId), 'the second payment refund listed');
    expect(provider.payouts(order.orderId)).toEqual([]);
  });

  it("a stray payment's refused refund is listed and counted, not lost", async () => {
    const order = await shop.order(sku);
    expect((await shop.storefront.post(`/v1/orders/${order.orderId}/cancel`, {})).status).toBe(200);
    await shop.waitClosed(product.client, order.orderId, 'CANCELLED');
    provider.refuseRefunds = true;
    await shop.pay(order, { paymentId: 'pay-stray', eventId: `${order.orderId}-stray` });

    const listed = await eventually(async () => (await attention()).find((a) => a.paymentId === 'pay-stray'), 'the stray refund listed');
    expect(listed).toMatchObject({ kind: 'stray', orderId: order.orderId });
    expect(await metric('stray')).toBeGreaterThanOrEqual(1);
  });
});

describe('read your writes', () => {
  const ctx = productWithShop();

  it('an order is listed and readable the moment POST /v1/orders answers', async () => {
    const { shop } = ctx;
    await shop.product('fresh-read', { price: { amount: 100, currency: 'CNY' } }, keyCodes(3, 'FRESH'));
    for (let i = 0; i < 3; i++) {
      const email = `fresh-${i}@example.com`;
      const order = await shop.order('fresh-read', 1, email);
      const [one, listed, found] = await Promise.all([
        shop.storefront.get(`/v1/orders/${order.orderId}`),
        shop.storefront.get('/v1/orders'),
        shop.ops.get(`/v1/orders?email=${encodeURIComponent(email)}`),
      ]);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ orderId: order.orderId, status: 'AWAITING_PAYMENT' });
      expect(listed.body.items.map((o: { orderId: string }) => o.orderId)).toContain(order.orderId);
      expect(found.body.items.map((o: { orderId: string }) => o.orderId)).toEqual([order.orderId]);
    }
  });
});
