import { ApiClient } from '../support/http';
import { newMerchant, PLATFORM_KEY, WITH_PLATFORM, type Merchant } from '../support/merchants';
import { expectStatus, keyCodes, productWithShop } from '../support/orders';

/*
 * One platform, many shops: merchants are created by the platform, their keys issued by the API,
 * and each merchant's catalog, stock and orders are its own, also when two sell the same sku.
 */
describe('merchants', () => {
  const ctx = productWithShop(() => ({ API_KEYS: WITH_PLATFORM }));
  let http: ApiClient;
  let platform: ApiClient;
  let acme: Merchant;

  beforeAll(async () => {
    http = new ApiClient(ctx.product.api.url);
    platform = http.as(PLATFORM_KEY);
    acme = await newMerchant(http, ctx.product.config.paymentWebhookSecret, 'acme-cards');
  });

  it('are created by the platform only, once per id, with a valid id', async () => {
    expect((await platform.get('/v1/merchants')).body.items.map((m: { merchantId: string }) => m.merchantId)).toEqual(['default', 'acme-cards']);
    const again = await platform.post('/v1/merchants', { merchantId: 'acme-cards', name: 'Again', contactEmail: 'x@example.com' });
    expect(again.status).toBe(409);
    const bad = await platform.post('/v1/merchants', { merchantId: 'Acme Cards', name: 'Bad', contactEmail: 'x@example.com' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(['merchantId']);
    expect((await ctx.shop.admin.post('/v1/merchants', { merchantId: 'by-admin', name: 'No', contactEmail: 'x@example.com' })).status).toBe(403);
    expect((await http.as(acme.keys.admin).post('/v1/merchants', { merchantId: 'by-acme', name: 'No', contactEmail: 'x@example.com' })).status).toBe(403);
    expect((await platform.get('/v1/merchants')).body.items).toHaveLength(2);
  });

  it("issue keys shown once and listed without secrets, with when each was last used; a revoked key is refused at once", async () => {
    const me = await http.as(acme.keys.agent).get('/v1/me');
    expect(me.body).toEqual({ role: 'agent', name: 'agent-1', merchantId: 'acme-cards' });
    const listed = await http.as(acme.keys.admin).get('/v1/merchants/acme-cards/keys');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((k: { role: string }) => k.role)).toEqual(['admin', 'storefront', 'agent', 'ops']);
    const text = JSON.stringify(listed.body);
    for (const secret of Object.values(acme.keys)) expect(text).not.toContain(secret);
    expect(listed.body.items.find((k: { role: string }) => k.role === 'agent').lastUsedAt).toEqual(expect.any(String));
    expect(listed.body.items.find((k: { role: string }) => k.role === 'ops').lastUsedAt).toBeUndefined();
    // The platform may see them too; another merchant's admin may not, and the stored row holds a digest only.
    expect((await platform.get('/v1/merchants/acme-cards/keys')).status).toBe(200);
    expect((await ctx.shop.admin.get('/v1/merchants/acme-cards/keys')).status).toBe(404);
    expect((await http.as(acme.keys.agent).get('/v1/merchants/acme-cards/keys')).status).toBe(403);
    const rows = await ctx.product.store.merchantKeys.find({ merchantId: 'acme-cards' }).lean();
    expect(JSON.stringify(rows)).not.toContain(acme.keys.ops);

    const spare = await http.as(acme.keys.admin).post('/v1/merchants/acme-cards/keys', { role: 'ops', name: 'spare' });
    expectStatus(spare, 201, 'a spare key');
    expect((await http.as(spare.body.secret).get('/v1/me')).status).toBe(200);
    const revoked = await http.as(acme.keys.admin).delete(`/v1/merchants/acme-cards/keys/${spare.body.keyId}`);
    expect(revoked.body).toEqual({ keyId: spare.body.keyId, revoked: true });
    expect((await http.as(spare.body.secret).get('/v1/me')).status).toBe(401);
    expect((await http.as(acme.keys.admin).delete(`/v1/merchants/acme-cards/keys/${spare.body.keyId}`)).status).toBe(404);
  });

  it('sell the same sku side by side, each from its own stock and at its own price, with nothing seen across', async () => {
    const sku = 'steam-100';
    const codes = keyCodes(2, 'SAME');
    await ctx.shop.product(sku, { price: { amount: 9900, currency: 'CNY' } }, codes);
    // The same codes are no duplicate in another merchant's stock: neither learns what the other holds.
    await acme.shop.product(sku, { price: { amount: 8800, currency: 'CNY' } });
    expect(await acme.shop.importKeys(sku, codes)).toMatchObject({ imported: 2, duplicates: 0 });

    const ours = await ctx.shop.delivered(sku, 'ours@example.com');
    const theirs = await acme.shop.delivered(sku, 'theirs@example.com');
    expect(ours.amount.amount).toBe(9900);
    expect(theirs.amount.amount).toBe(8800);
    expect(await ctx.shop.stock(sku)).toMatchObject({ available: 1, delivered: 1 });
    expect(await acme.shop.stock(sku)).toMatchObject({ available: 1, delivered: 1 });
    const theirView = await acme.shop.view(theirs.orderId);
    expect(theirView.sku).toBe(sku);
    const theirKeys = await theirs.buyer.get(`/v1/orders/${theirs.orderId}/keys`);
    expect(theirKeys.status).toBe(200);
    expect(codes).toContain(theirKeys.body.keys[0].code);

    // Each merchant's lists hold its own only; the other's order is not there, for any role.
    const list = async (shop: typeof ctx.shop) => (await shop.ops.get(`/v1/orders?sku=${sku}`)).body.items.map((o: { orderId: string }) => o.orderId);
    expect(await list(ctx.shop)).toEqual([ours.orderId]);
    expect(await list(acme.shop)).toEqual([theirs.orderId]);
    for (const client of [acme.shop.ops, acme.shop.agent, acme.shop.storefront, acme.shop.admin]) {
      expect((await client.get(`/v1/orders/${ours.orderId}`)).status).toBe(404);
    }
    for (const client of [ctx.shop.ops, ctx.shop.agent, ctx.shop.storefront, ctx.shop.admin]) {
      expect((await client.get(`/v1/orders/${theirs.orderId}`)).status).toBe(404);
    }
    expect((await acme.shop.ops.get('/v1/products')).body.items.map((p: { sku: string; price: { amount: number } }) => [p.sku, p.price.amount])).toEqual([[sku, 8800]]);
    expect((await ctx.shop.ops.get(`/v1/products?q=steam`)).body.items.map((p: { sku: string; price: { amount: number } }) => [p.sku, p.price.amount])).toEqual([[sku, 9900]]);
    // The platform acts for the merchant it names.
    expect((await platform.with({ 'x-merchant': 'acme-cards' }).get(`/v1/orders/${theirs.orderId}`)).status).toBe(200);
    expect((await platform.get(`/v1/orders/${theirs.orderId}`)).status).toBe(404);
    expect((await platform.with({ 'x-merchant': 'no-such-shop' }).get('/v1/orders')).status).toBe(404);
    // Ops see each merchant apart in /metrics, the same sku twice.
    const metrics = await (await fetch(`${ctx.product.api.url}/metrics`)).text();
    for (const merchant of ['default', 'acme-cards']) {
      expect(metrics).toContain(`kamiflow_stock_available{merchant="${merchant}",sku="${sku}"} 1`);
      expect(metrics).toMatch(new RegExp(`^kamiflow_orders\\{merchant="${merchant}",status="DELIVERED"\\} [1-9]`, 'm'));
      expect(metrics).toContain(`kamiflow_orders{merchant="${merchant}",status="REFUNDED"} 0`);
    }
  });

  it("keep each merchant's complaints to itself", async () => {
    const sku = 'complain-me';
    await acme.shop.product(sku, {}, keyCodes(1, 'CMP'));
    const order = await acme.shop.delivered(sku);
    const filed = await order.buyer.post(`/v1/orders/${order.orderId}/complaints`, { category: 'service', description: 'Slow answers.' });
    expectStatus(filed, 201, 'complaint');
    const id = filed.body.complaintId;
    const queued = async (agent: ApiClient) => {
      for (let i = 0; i < 50; i++) {
        const items = (await agent.get('/v1/complaints')).body.items.map((c: { complaintId: string }) => c.complaintId);
        if (items.includes(id) || i === 49) return items;
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    expect(await queued(acme.shop.agent)).toContain(id);
    // Once it is in acme's queue it is projected: default's queue is read once.
    expect((await ctx.shop.agent.get('/v1/complaints')).body.items.map((c: { complaintId: string }) => c.complaintId)).not.toContain(id);
    expect((await ctx.shop.agent.get(`/v1/complaints/${id}`)).status).toBe(404);
    expect((await ctx.shop.agent.post(`/v1/complaints/${id}/actions`, { action: 'acknowledge' })).status).toBe(404);
    expect((await acme.shop.agent.get(`/v1/complaints/${id}`)).status).toBe(200);
  });

  it("cannot use the first shop's coupons, which are its own", async () => {
    const sku = 'coupon-across';
    await acme.shop.product(sku, {}, keyCodes(1, 'CPN'));
    const made = await ctx.shop.admin.post('/v1/coupons', { amountOff: { amount: 100, currency: 'CNY' } });
    expect(made.status).toBe(201);
    const refused = await acme.shop.storefront.post('/v1/orders', { sku, buyer: { email: 'across@example.com' }, coupon: made.body.code });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'coupon_not_applicable', details: [{ path: 'coupon', reason: 'unknown' }] });
    expect((await ctx.product.store.couponClaims.countDocuments({ code: made.body.code }))).toBe(0);
    expect((await acme.shop.admin.get(`/v1/coupons/${made.body.code}`)).status).toBe(404);
  });

  it('suspended, take no new orders; resumed, take them again', async () => {
    const sku = 'suspend-me';
    await acme.shop.product(sku, {}, keyCodes(3, 'SUS'));
    const before = await acme.shop.order(sku);
    expect((await acme.shop.admin.post('/v1/merchants/acme-cards/suspend', { reason: 'no' })).status).toBe(403);
    const suspended = await platform.post('/v1/merchants/acme-cards/suspend', { reason: 'Too many complaints.' });
    expect(suspended.body).toMatchObject({ merchantId: 'acme-cards', status: 'SUSPENDED', suspendedReason: 'Too many complaints.' });
    const refused = await acme.shop.storefront.post('/v1/orders', { sku, buyer: { email: 'late@example.com' } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('merchant_suspended');
    // What was taken before runs to its end.
    await acme.shop.pay(before);
    await acme.shop.waitFor(before.orderId, 'DELIVERED');
    // Another merchant is not touched.
    await ctx.shop.product(sku, {}, keyCodes(1, 'DEF-SUS'));
    await ctx.shop.order(sku);
    expect((await platform.post('/v1/merchants/acme-cards/resume', {})).body).toMatchObject({ status: 'ACTIVE' });
    await acme.shop.order(sku);
  });

  it("rank the merchants by their complaint rate for the platform, counting each merchant's own", async () => {
    // By now acme sold three orders (one with a complaint), default one without any; unpaid orders are not sold.
    const ranking = await platform.get('/v1/platform/ranking');
    expect(ranking.status).toBe(200);
    expect(ranking.body.items).toEqual([
      { merchantId: 'acme-cards', name: 'Shop acme-cards', orders: 3, complaints: 1, complaintRate: 0.3333, refundRate: 0, firstResponseOnTime: null, resolutionOnTime: null, satisfiedShare: null },
      { merchantId: 'default', name: 'default', orders: 1, complaints: 0, complaintRate: 0, refundRate: 0, firstResponseOnTime: null, resolutionOnTime: null, satisfiedShare: null },
    ]);
    expect((await ctx.shop.admin.get('/v1/platform/ranking')).status).toBe(403);
    // Each merchant's own complaint report counts its own; the public report names one, or the whole platform.
    expect((await acme.shop.agent.get('/v1/reports/complaints')).body.totals).toEqual({ orders: 3, complaints: 1, refunds: 0 });
    expect((await ctx.shop.agent.get('/v1/reports/complaints')).body.totals).toEqual({ orders: 1, complaints: 0, refunds: 0 });
    const month = new Date().toISOString().slice(0, 7);
    expect((await http.get(`/v1/public/complaint-report?merchant=acme-cards&month=${month}`)).body).toMatchObject({ merchant: { merchantId: 'acme-cards', name: 'Shop acme-cards' }, orders: 3, complaints: 1 });
    const platformWide = (await http.get(`/v1/public/complaint-report?month=${month}`)).body;
    expect(platformWide).toMatchObject({ orders: 4, complaints: 1 });
    expect(platformWide.merchant).toBeUndefined();
    expect((await http.get(`/v1/public/complaint-report?merchant=no-such-shop&month=${month}`)).status).toBe(404);
  });
});
