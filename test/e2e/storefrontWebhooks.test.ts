import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { sign } from '../../security/signature';
import { FakeServer, type Recorded, type Reply } from '../support/fakeServer';
import { eventually, OTHER_SHOP_KEY, TWO_STOREFRONTS } from '../support/http';
import { expectStatus, productWithShop } from '../support/orders';

/*
 * With two storefronts, each is told about its own orders only: the other shop's events go to the
 * webhook it has in STOREFRONT_WEBHOOKS, signed with its own secret; the shop's own events to
 * STOREFRONT_WEBHOOK_URL. Each receiver verifies every delivery as a storefront would, with the
 * Standard Webhooks library, and refuses one that does not verify.
 */
describe('storefront webhooks', () => {
  // One secret written the Standard Webhooks way, one plain (its library takes it as whsec_ + base64 of its UTF-8 bytes).
  const shopSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const otherSecret = 'other-hook-secret-0123456789';
  const otherWhsec = `whsec_${Buffer.from(otherSecret, 'utf8').toString('base64')}`;
  const refusals: string[] = [];
  /** A storefront's receiver: 204 once `Webhook.verify` holds over the raw body, else 401 with why. */
  const receiver = (whsec: string) => (r: Recorded): Reply => {
    try {
      new Webhook(whsec).verify(r.raw, r.headers as Record<string, string>);
      return { status: 204 };
    } catch (err) {
      refusals.push(`${r.path}: ${(err as Error).message}`);
      return { status: 401, body: { error: (err as Error).message } };
    }
  };
  let shopHook: FakeServer;
  let otherHook: FakeServer;
  beforeAll(async () => {
    shopHook = await new FakeServer(receiver(shopSecret)).start();
    otherHook = await new FakeServer(receiver(otherWhsec)).start();
  });
  afterAll(async () => {
    await shopHook?.stop();
    await otherHook?.stop();
  });
  const ctx = productWithShop(() => ({
    API_KEYS: TWO_STOREFRONTS,
    STOREFRONT_WEBHOOK_URL: `${shopHook.url}/hooks`,
    STOREFRONT_WEBHOOK_SECRET: shopSecret,
    STOREFRONT_WEBHOOKS: JSON.stringify({ 'other-shop': { url: `${otherHook.url}/kamiflow`, secret: otherSecret } }),
  }));

  const orderIdsOf = (hook: FakeServer) => new Set(hook.requests.map((r) => r.body?.orderId).filter(Boolean));
  const cancelledIn = (hook: FakeServer, orderId: string) => hook.requests.some((r) => r.body?.orderId === orderId && r.body?.status === 'CANCELLED');

  it("tells each storefront about its own orders only, signed with its own secret", async () => {
    const { shop } = ctx;
    await shop.product('hook-card');
    const mine = await shop.order('hook-card');
    const other = shop.http.as(OTHER_SHOP_KEY);
    const theirs = await other.post('/v1/orders', { sku: 'hook-card', buyer: { email: 'other@example.com' } });
    expectStatus(theirs, 201, 'the other shop orders');
    expectStatus(await shop.storefront.post(`/v1/orders/${mine.orderId}/cancel`, {}), 200, 'cancel mine');
    expectStatus(await other.post(`/v1/orders/${theirs.body.orderId}/cancel`, {}), 200, 'cancel theirs');

    await eventually(async () => cancelledIn(shopHook, mine.orderId) && cancelledIn(otherHook, theirs.body.orderId), 'both cancellations told');
    expect([...orderIdsOf(shopHook)]).toEqual([mine.orderId]);
    expect([...orderIdsOf(otherHook)]).toEqual([theirs.body.orderId]);
    // Every delivery verified by the library; X-Signature, keyed by the secret as written, beside it.
    expect(refusals).toEqual([]);
    const signedWith = (r: Recorded, secret: string) => r.headers['x-signature'] === sign(r.raw, secret);
    expect(shopHook.requests.every((r) => signedWith(r, shopSecret))).toBe(true);
    expect(otherHook.requests.every((r) => signedWith(r, otherSecret))).toBe(true);
    expect(otherHook.requests.every((r) => r.path === '/kamiflow')).toBe(true);
    // webhook-id is the event's id; the timestamp is the moment it was sent.
    for (const r of [...shopHook.requests, ...otherHook.requests]) {
      expect(r.headers['webhook-id']).toBe(r.body.eventId);
      expect(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      expect(r.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    }
    await eventually(async () => (await ctx.product.store.outbox.countDocuments({ orderId: { $in: [mine.orderId, theirs.body.orderId] }, delivery: { $ne: 'sent' } })) === 0, 'every event delivered');
  });

  it('a receiver with another secret refuses the delivery, as the library does', async () => {
    const { shop } = ctx;
    const before = refusals.length;
    shopHook.respondWith(receiver(`whsec_${randomBytes(24).toString('base64')}`));
    try {
      const order = await shop.order('hook-card');
      expectStatus(await shop.storefront.post(`/v1/orders/${order.orderId}/cancel`, {}), 200, 'cancel');
      await eventually(async () => refusals.length > before, 'a refused delivery');
      expect(refusals[before]).toContain('No matching signature found');
    } finally {
      shopHook.respondWith(receiver(shopSecret));
    }
  });
});
