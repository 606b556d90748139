import { FakeServer } from '../support/fakeServer';
import { eventually } from '../support/http';
import { productWithShop, type Shop } from '../support/orders';
import { FakeProvider } from '../support/provider';
import type { Product } from '../support/harness';

/**
 * Answers that retrying cannot change are taken as answers: a storefront that refuses an event with
 * a 4xx is not asked again forever, and a provider that refuses a refund leaves the order visibly
 * waiting on a person (/v1/ops/stuck, metrics) instead of retrying unseen.
 */
describe('permanent refusals from the outside world', () => {
  const provider = new FakeProvider();
  let storefront: FakeServer;
  beforeAll(async () => {
    await provider.start();
    storefront = await new FakeServer(() => ({ status: 400, body: { error: 'unknown event type' } })).start();
  });
  afterAll(async () => {
    await provider.stop();
    await storefront?.stop();
  });
  const ctx = productWithShop(() => ({
    PAYMENT_PROVIDER: 'http',
    PAYMENT_PROVIDER_URL: provider.url,
    STOREFRONT_WEBHOOK_URL: `${storefront.url}/hooks`,
    STOREFRONT_WEBHOOK_SECRET: 'storefront-secret-0123456789',
  }));
  let product: Product;
  let shop: Shop;
  beforeAll(() => {
    ({ product, shop } = ctx);
  });

  async function metric(name: string): Promise<number> {
    const text = (await shop.ops.get('/metrics')).body as string;
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? NaN : Number(line.split(' ')[1]);
  }

  it('a storefront that answers 400 is asked once per event: the event is kept as refused and counted', async () => {
    await shop.product('refused-hooks', {});
    const order = await shop.order('refused-hooks');
    const eventId = await eventually(async () => (await product.store.outbox.findOne({ orderId: order.orderId, type: 'order.created' }).lean())?._id ?? false, 'the order.created event');

    const entry = await eventually(async () => {
      const row = await product.store.outbox.findById(eventId).lean();
      return row?.delivery === 'refused' ? row : false;
    }, 'the event marked refused');
    expect(entry).toMatchObject({ delivery: 'refused', refusedStatus: 400, attempts: 1 });
    await product.client.workflow.getHandle(`notify-${eventId}`).result(); // done, not retrying
    expect(storefront.requests.filter((r) => r.body?.eventId === eventId)).toHaveLength(1);
    expect(await metric('kamiflow_storefront_webhooks_refused')).toBeGreaterThanOrEqual(1);
  });

  it('a refund the provider refuses leaves the order REFUNDING with needsAttention, listed on /v1/ops/stuck and in metrics', async () => {
    provider.refuseRefunds = true;
    await shop.product('refused-refund', {});
    const order = await shop.order('refused-refund');
    await shop.pay(order);
    await shop.waitFor(order.orderId, 'OUT_OF_STOCK');
    expect((await order.buyer.post(`/v1/orders/${order.orderId}/refund-request`, { reason: 'cannot wait' })).status).toBe(202);

    const view = await eventually(async () => {
      const v = await shop.view(order.orderId);
      return v.attention ? v : false;
    }, 'the refused refund shown on the order');
    expect(view.status).toBe('REFUNDING');
    expect(view.attention?.reason).toMatch(/the provider refused refund .* answered 400/);
    expect(view.timeline.map((e) => e.type)).toContain('refund_refused');
    expect(provider.refundCalls.filter((c) => c.body.orderId === order.orderId).map((c) => c.answer)).toEqual(['refused']); // not retried at once

    // Listed however recent (retrying will not move it), with why.
    const stuck = await eventually(async () => {
      const answer = await shop.ops.get('/v1/ops/stuck?olderThan=1h');
      const item = answer.body.items.find((i: { orderId: string }) => i.orderId === order.orderId);
      return item ?? false;
    }, 'the order on /v1/ops/stuck');
    expect(stuck).toMatchObject({ status: 'REFUNDING', needsAttention: view.attention?.reason });
    expect(await metric('kamiflow_orders_needing_attention')).toBe(1);
    provider.refuseRefunds = false;
  });
});
