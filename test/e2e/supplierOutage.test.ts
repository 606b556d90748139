import { FakeServer, type Reply } from '../support/fakeServer';
import { eventually } from '../support/http';
import { expectNoCodeLeaked } from '../support/invariants';
import { countOf, keyCodes, productWithShop, timelineTypes } from '../support/orders';

/**
 * A supplier whose validity check errors or hangs (OUTBOUND_HTTP_TIMEOUT is 3s in tests) is not a
 * verdict: the order sits visibly stuck in DELIVERING, ops see the pending check and its attempts,
 * and once the supplier answers again the same key is delivered.
 */
describe('a supplier that is down for a while', () => {
  const supplier = new FakeServer(() => ({ status: 200, body: { valid: true } }));
  beforeAll(() => supplier.start());
  afterAll(() => supplier.stop());
  const ctx = productWithShop();

  it.each<[string, Reply]>([
    ['errors (500)', { status: 500, body: { error: 'down' } }],
    ['hangs', { hang: true }],
  ])('when it %s, the order shows stuck on checkKey, then delivers the same key once it recovers', async (what, outage) => {
    const { shop } = ctx;
    const sku = `outage-${what.split(' ')[0]}`;
    const codes = keyCodes(2, 'OUT');
    await shop.product(sku, { validationUrl: `${supplier.url}/check` }, codes);
    supplier.respondWith(() => outage);
    const order = await shop.order(sku);
    await shop.pay(order);

    const stuck = await eventually(async () => {
      const answer = await shop.ops.get('/v1/ops/stuck?olderThan=1s');
      const item = answer.body.items?.find((i: { orderId: string }) => i.orderId === order.orderId);
      return item?.attempts > 1 ? item : false;
    }, 'ops to see the order stuck on a retried check');
    expect(stuck).toMatchObject({ orderId: order.orderId, workflowId: `order-${order.orderId}`, status: 'DELIVERING', pendingActivity: 'checkKey' });
    let view = await shop.view(order.orderId);
    expect(view.status).toBe('DELIVERING');
    expect(timelineTypes(view)).not.toContain('key_invalid');
    expect(await shop.stock(sku)).toEqual({ available: 1, reserved: 1, delivered: 0, revoked: 0, invalid: 0 });

    supplier.respondWith(() => ({ status: 200, body: { valid: true } }));
    view = await shop.waitFor(order.orderId, 'DELIVERED');

    const asked = supplier.requests.filter((r) => r.body?.sku === sku).map((r) => r.body.code);
    expect(asked.length).toBeGreaterThan(1);
    expect(new Set(asked).size).toBe(1); // the same key asked about again, never replaced
    const keys = await order.buyer.get(`/v1/orders/${order.orderId}/keys`);
    expect(keys.body.keys.map((k: { code: string }) => k.code)).toEqual([asked[0]]);
    expect(countOf(timelineTypes(view), 'status:DELIVERED')).toBe(1);
    expect(timelineTypes(view)).not.toContain('key_invalid');
    expect(await shop.stock(sku)).toEqual({ available: 1, reserved: 0, delivered: 1, revoked: 0, invalid: 0 });
    expect(await ctx.product.store.refunds.countDocuments({ orderId: order.orderId })).toBe(0);
    // What ops were shown, the order's history and the logs of the failed checks name no code.
    for (const code of codes) expect(JSON.stringify(stuck)).not.toContain(code);
    await expectNoCodeLeaked(ctx.product.client, [order.orderId], codes);
  });
});
