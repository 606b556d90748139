import { ApiClient } from '../support/http';
import { testSmtpUrl } from '../support/mailpit';
import { newMerchant, PLATFORM_KEY, WITH_PLATFORM, type Merchant } from '../support/merchants';
import { expectStatus, keyCodes, productWithShop, type PlacedOrder, type Shop } from '../support/orders';

/*
 * Incidents per merchant, over HTTP against the real worker, dev server and store: a merchant's ops
 * declare that merchant's incident (its orders only, on its public status, not there for another
 * merchant); a platform key declares a platform-wide one (every merchant's orders, on every
 * merchant's status), which a merchant reads for its own orders and the platform acts on, and whose
 * compensation grants a coupon per buyer in each merchant of their affected orders.
 */

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const BUYER = 'same-buyer@example.com';

describe('incidents per merchant', () => {
  const ctx = productWithShop(() => ({ API_KEYS: WITH_PLATFORM, PAYMENT_TIMEOUT: '2s', SMTP_URL: testSmtpUrl() }));
  let a: Merchant;
  let b: Merchant;
  const placed: Record<'first' | 'a' | 'b', PlacedOrder> = {} as never;
  let platform: ApiClient;

  beforeAll(async () => {
    const http = new ApiClient(ctx.product.api.url);
    platform = http.as(PLATFORM_KEY);
    a = await newMerchant(http, ctx.product.config.paymentWebhookSecret, 'inc-a');
    b = await newMerchant(http, ctx.product.config.paymentWebhookSecret, 'inc-b');
    // The same buyer orders at the first shop, at A and at B; no payment notice comes for any.
    const shops: [keyof typeof placed, Shop][] = [['first', ctx.shop], ['a', a.shop], ['b', b.shop]];
    for (const [name, shop] of shops) {
      await shop.product('inc-card', {}, keyCodes(1, `INC${name.toUpperCase()}`));
      placed[name] = await shop.order('inc-card', 1, BUYER);
    }
    for (const [name, shop] of shops) await shop.waitClosed(ctx.product.client, placed[name].orderId, 'CANCELLED');
  });

  const declare = (who: ApiClient, title: string) => who.post('/v1/incidents', { title, cause: 'payment_provider', startedAt: minutesAgo(2), publicNote: `${title}: being made good.` });
  const orderIds = async (who: ApiClient, incidentId: string) => {
    const listed = await who.get(`/v1/incidents/${incidentId}/orders`);
    expectStatus(listed, 200, 'affected orders');
    return listed.body.items.map((o: { orderId: string }) => o.orderId).sort();
  };
  const publicTitles = async (merchant?: string) => {
    const status = await ctx.shop.http.get(`/v1/public/status${merchant ? `?merchant=${merchant}` : ''}`);
    expectStatus(status, 200, 'public status');
    return status.body.open.map((i: { title: string }) => i.title).sort();
  };

  it("a merchant's incident is its own: its orders, its status, and not there for another merchant", async () => {
    const declared = await declare(a.shop.ops, 'Shop A notices lost');
    expectStatus(declared, 201, 'declare as A');
    const { incidentId } = declared.body;
    expect(declared.body).toMatchObject({ merchantId: 'inc-a', affected: { orders: 1, buyers: 1 } });
    expect(await orderIds(a.shop.ops, incidentId)).toEqual([placed.a.orderId]);
    // Counted as A's on /metrics, not as every merchant's.
    const metrics = await (await fetch(`${ctx.product.api.url}/metrics`)).text();
    expect(metrics).toMatch(/^kamiflow_incidents_open\{merchant="inc-a"\} 1$/m);
    expect(metrics).not.toMatch(/^kamiflow_incidents_open\{merchant="inc-b"\}/m);

    for (const path of [`/v1/incidents/${incidentId}`, `/v1/incidents/${incidentId}/orders`]) expect((await b.shop.ops.get(path)).status).toBe(404);
    expect((await b.shop.ops.post(`/v1/incidents/${incidentId}/resolve`, { publicNote: 'not mine' })).status).toBe(404);
    expect((await b.shop.ops.get('/v1/incidents')).body.items.map((i: { incidentId: string }) => i.incidentId)).not.toContain(incidentId);
    expect((await ctx.shop.ops.get(`/v1/incidents/${incidentId}`)).status).toBe(404);
    // The platform acting for A sees it.
    expect((await platform.send('GET', `/v1/incidents/${incidentId}`, undefined, { 'x-merchant': 'inc-a' })).status).toBe(200);

    expect(await publicTitles('inc-a')).toEqual(['Shop A notices lost']);
    expect(await publicTitles('inc-b')).toEqual([]);
    expect(await publicTitles()).toEqual([]);
    expect((await ctx.shop.http.get('/v1/public/status?merchant=no-such-shop')).status).toBe(404);
    const bad = await ctx.shop.http.get('/v1/public/status?merchant=Not%20One');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(['merchant']);

    expectStatus(await a.shop.ops.post(`/v1/incidents/${incidentId}/resolve`, { publicNote: 'Shop A: every payment confirmed.' }), 200, 'resolve as A');
  });

  it('a platform-wide incident hurts every merchant\'s orders, shows on every status, is acted on by the platform, and compensates per merchant', async () => {
    const declared = await declare(platform, 'Provider outage');
    expectStatus(declared, 201, 'declare as the platform');
    const { incidentId } = declared.body;
    expect(declared.body.merchantId).toBeUndefined();
    expect(declared.body.affected).toEqual({ orders: 3, buyers: 1 });
    expect(await orderIds(platform, incidentId)).toEqual([placed.first.orderId, placed.a.orderId, placed.b.orderId].sort());

    // Each merchant reads it for its own orders only.
    const seenByA = await a.shop.ops.get(`/v1/incidents/${incidentId}`);
    expectStatus(seenByA, 200, 'A reads it');
    expect(seenByA.body.affected).toEqual({ orders: 1, buyers: 1 });
    expect(await orderIds(a.shop.ops, incidentId)).toEqual([placed.a.orderId]);
    expect(await orderIds(b.shop.agent, incidentId)).toEqual([placed.b.orderId]);
    for (const merchant of [undefined, 'inc-a', 'inc-b']) expect(await publicTitles(merchant)).toEqual(['Provider outage']);

    // A merchant does not act on it; the platform (and the first shop's own keys, the operator's) does.
    const refused = await a.shop.ops.post(`/v1/incidents/${incidentId}/compensate`, { percentOff: 10, validFor: '30d' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/platform-wide/);
    expect((await b.shop.ops.post(`/v1/incidents/${incidentId}/resolve`, { publicNote: 'no' })).status).toBe(403);

    // One buyer, hurt at three merchants: a coupon in each.
    const granted = await platform.post(`/v1/incidents/${incidentId}/compensate`, { percentOff: 10, validFor: '30d' });
    expectStatus(granted, 201, 'compensate as the platform');
    expect(granted.body).toEqual({ coupons: 3 });
    expectStatus(await ctx.shop.ops.post(`/v1/incidents/${incidentId}/resolve`, { publicNote: 'The provider is back.' }), 200, "resolve as the first shop's ops");
  });
});
