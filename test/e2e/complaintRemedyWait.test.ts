import { FakeServer } from '../support/fakeServer';
import { eventually } from '../support/http';
import { keyCodes, productWithShop, timelineTypes, type PlacedOrder } from '../support/orders';
import { FakeProvider } from '../support/provider';

/**
 * An agent's remedy answers within seconds whatever the order has to wait for (a supplier that is
 * down, a provider slow to pay out): 200 with the outcome when it is done, else 202 pending, and
 * the complaint and order views show it pending, then its outcome. The money moves once.
 */
describe("an agent's remedy that needs slow work", () => {
  const supplier = new FakeServer(() => ({ status: 200, body: { valid: true } }));
  const provider = new FakeProvider();
  beforeAll(async () => {
    await supplier.start();
    await provider.start();
  });
  afterAll(async () => {
    await supplier.stop();
    await provider.stop();
  });
  const ctx = productWithShop(() => ({ PAYMENT_PROVIDER: 'http', PAYMENT_PROVIDER_URL: provider.url }));

  const file = (order: PlacedOrder) =>
    order.buyer.post(`/v1/orders/${order.orderId}/complaints`, { category: 'key_not_received', description: 'Nothing arrived.' });
  const act = (complaintId: string, action: string) => ctx.shop.agent.post(`/v1/complaints/${complaintId}/actions`, { action });

  const resolvedView = (complaintId: string) =>
    eventually(async () => {
      const seen = await ctx.shop.agent.get(`/v1/complaints/${complaintId}`);
      return seen.body.status === 'RESOLVED' ? seen.body : false;
    }, 'the complaint resolved by its remedy');

  /** The agent's answer and how long it took; a request still unanswered after 5 s is a failure, not a wait. */
  async function timed(complaintId: string, action: string) {
    const started = Date.now();
    const answer = await Promise.race([
      act(complaintId, action),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${action} gave no answer within 5 s`)), 5_000)),
    ]);
    return { answer, ms: Date.now() - started };
  }

  it('a refund granted while the supplier is kept down answers in under 5 s, lands once, and the unseen key goes back to stock', async () => {
    const { shop, product } = ctx;
    const sku = 'remedy-supplier-down';
    const codes = keyCodes(2, 'SDN');
    await shop.product(sku, { validationUrl: `${supplier.url}/check` }, codes);
    supplier.respondWith(() => ({ status: 500, body: { error: 'down' } }));
    const order = await shop.order(sku);
    await shop.pay(order);
    await eventually(async () => supplier.requests.some((r) => r.body?.sku === sku), 'the supplier asked about the key');
    expect((await shop.view(order.orderId)).status).toBe('DELIVERING');

    const filed = await file(order);
    expect(filed.status).toBe(201);
    const { complaintId } = filed.body;
    const { answer, ms } = await timed(complaintId, 'resolve_refund');
    expect(ms).toBeLessThan(5_000);
    expect([200, 202]).toContain(answer.status);
    if (answer.status === 202) expect(answer.body).toEqual({ status: 'pending', orderId: order.orderId, complaintId });
    else expect(answer.body).toMatchObject({ status: 'RESOLVED', resolution: 'refunded' });

    const resolved = await resolvedView(complaintId);
    expect(resolved).toMatchObject({ resolution: 'refunded' });
    expect(resolved.remedy).toBeUndefined();
    const view = await shop.waitFor(order.orderId, 'REFUNDED');
    expect(timelineTypes(view)).toEqual(expect.arrayContaining(['complaint_remedy_requested', 'complaint_remedy_applied']));
    expect(timelineTypes(view)).not.toContain('status:DELIVERED');
    expect(provider.payouts(order.orderId)).toHaveLength(1);
    expect(provider.honouredTwice()).toEqual([]);
    // The key reserved for the order was never seen by the buyer: back in stock, not revoked.
    expect(await shop.stock(sku)).toEqual({ available: 2, reserved: 0, delivered: 0, revoked: 0, invalid: 0 });
    expect((await order.buyer.get(`/v1/orders/${order.orderId}/keys`)).status).toBe(409);
    // The supplier stayed down the whole time.
    expect(supplier.requests.filter((r) => r.body?.sku === sku).length).toBeGreaterThan(0);
    expect(await product.store.claims.countDocuments({ orderId: order.orderId, state: 'delivered' })).toBe(0);
  });

  it('a refund the provider is slow to pay answers 202 pending; the views show it pending, then refunded, paid once', async () => {
    const { shop } = ctx;
    const sku = 'remedy-provider-slow';
    supplier.respondWith(() => ({ status: 200, body: { valid: true } }));
    await shop.product(sku, {}, keyCodes(2, 'PSL'));
    const order = await shop.order(sku);
    await shop.pay(order);
    await shop.waitFor(order.orderId, 'DELIVERED');
    const { complaintId } = (await file(order)).body;

    // The provider fails the first calls of each refund: retried with backoff for several seconds.
    provider.failFirst = 3;
    try {
      const { answer, ms } = await timed(complaintId, 'resolve_refund');
      expect(ms).toBeLessThan(5_000);
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({ status: 'pending', orderId: order.orderId, complaintId });

      const pending = (await shop.agent.get(`/v1/complaints/${complaintId}`)).body;
      expect(pending).toMatchObject({ status: 'OPEN', remedy: { remedy: 'refund', status: 'pending', requestedAt: expect.any(String) } });
      expect(pending.firstRespondedAt).toEqual(expect.any(String));
      expect(timelineTypes(await shop.view(order.orderId))).toContain('complaint_remedy_requested');
      // While it is under way, another remedy is refused and changes nothing.
      const again = await act(complaintId, 'resolve_replace');
      expect(again.status).toBe(409);
      expect(again.body.error.message).toMatch(/remedy is being applied/);

      const resolved = await resolvedView(complaintId);
      expect(resolved).toMatchObject({ resolution: 'refunded' });
      expect(resolved.remedy).toBeUndefined();
      await shop.waitFor(order.orderId, 'REFUNDED');
      expect(provider.payouts(order.orderId)).toHaveLength(1);
      expect(provider.honouredTwice()).toEqual([]);
    } finally {
      provider.failFirst = 0;
    }
  });
});
