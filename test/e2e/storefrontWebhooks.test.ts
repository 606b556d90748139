import { sign } from '../../security/signature';
import { FakeServer, type Recorded } from '../support/fakeServer';
import { eventually, OTHER_SHOP_KEY, TWO_STOREFRONTS } from '../support/http';
import { expectStatus, productWithShop } from '../support/orders';

/*
 * With two storefronts, each is told about its own orders only: the other shop's events go to the
 * webhook it has in STOREFRONT_WEBHOOKS, signed with its own secret; the shop's own events to
 * STOREFRONT_WEBHOOK_URL.
 */
describe('storefront webhooks', () => {
  const shopSecret = 'shop-hook-secret-0123456789';
  const otherSecret = 'other-hook-secret-0123456789';
  let shopHook: FakeServer;
  let otherHook: FakeServer;
  beforeAll(async () => {
    shopHook = await new FakeServer(() => ({ status: 204 })).start();
    otherHook = await new FakeServer(() => ({ status: 204 })).start();
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
    const signedWith = (r: Recorded, secret: string) => r.headers['x-signature'] === sign(r.raw, secret);
    expect(shopHook.requests.every((r) => signedWith(r, shopSecret))).toBe(true);
    expect(otherHook.requests.every((r) => signedWith(r, otherSecret))).toBe(true);
    expect(otherHook.requests.every((r) => r.path === '/kamiflow')).toBe(true);
  });
});
