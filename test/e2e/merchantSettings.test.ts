import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { FakeServer, type Recorded, type Reply } from '../support/fakeServer';
import { ApiClient, eventually } from '../support/http';
import { newMerchant, PLATFORM_KEY, WITH_PLATFORM, type Merchant } from '../support/merchants';
import { expectStatus, keyCodes, paymentNotice, productWithShop, type PlacedOrder } from '../support/orders';
import { EpayStandIn } from '../support/rails/epay';
import { changeSettings } from '../../db/merchantSettings';

/*
 * A merchant's own settings over HTTP: set by its admin (or the platform), shown with every secret
 * masked, sealed at rest, another merchant's not there. Its payment notices are verified with its
 * own secret and rail keys only, and never reach another merchant's order; its orders' events go to
 * its own webhook, and complaints on its orders keep its own deadlines.
 */
describe("a merchant's settings", () => {
  const hookSecret = `hook-${randomBytes(12).toString('hex')}`;
  const delivered: Recorded[] = [];
  let hook: FakeServer;
  const epayA = new EpayStandIn();
  const epayB = new EpayStandIn();
  beforeAll(async () => {
    hook = await new FakeServer((r): Reply => {
      delivered.push(r);
      try {
        new Webhook(`whsec_${Buffer.from(hookSecret, 'utf8').toString('base64')}`).verify(r.raw, r.headers as Record<string, string>);
        return { status: 204 };
      } catch {
        return { status: 401 };
      }
    }).start();
    await epayA.start();
    await epayB.start();
  });
  afterAll(async () => {
    await hook?.stop();
    await epayA.stop();
    await epayB.stop();
  });
  const ctx = productWithShop(() => ({ API_KEYS: WITH_PLATFORM, PUBLIC_BASE_URL: 'https://platform.example.test' }));
  let a: Merchant;
  let b: Merchant;
  const sku = 'set-card';

  beforeAll(async () => {
    const http = new ApiClient(ctx.product.api.url);
    a = await newMerchant(http, ctx.product.config.paymentWebhookSecret, 'set-a');
    b = await newMerchant(http, ctx.product.config.paymentWebhookSecret, 'set-b');
    await a.shop.product(sku, {}, keyCodes(6, 'SETA'));
    await b.shop.product(sku, {}, keyCodes(2, 'SETB'));
  });

  const admin = (m: Merchant) => m.shop.admin;
  const settingsOf = (m: Merchant) => `/v1/merchants/${m.merchantId}/settings`;
  /** Wait until A's order has handled every notice sent so far, then its timeline holds no trace of `paymentId`. */
  async function untouched(order: PlacedOrder, paymentId: string): Promise<void> {
    const view = await a.shop.noticesHandled(order);
    expect(view.status).toBe('AWAITING_PAYMENT');
    expect(JSON.stringify(view.timeline)).not.toContain(paymentId);
    expect(await ctx.product.store.paymentEvents.countDocuments({ paymentId })).toBe(0);
  }

  it("refuses a notice for one merchant signed with another merchant's secret, or the platform's", async () => {
    const order = await a.shop.order(sku);
    const forged = paymentNotice(order, { paymentId: 'pay-forged' });
    for (const secret of [b.noticeSecret, ctx.product.config.paymentWebhookSecret]) {
      const answer = await ctx.shop.http.notifyPayment(forged, secret, a.merchantId);
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('unauthenticated');
    }
    // B's own secret at B's address, naming A's order: answered as an order that is not there, A's order untouched.
    const crossed = paymentNotice(order, { paymentId: 'pay-crossed' });
    expectStatus(await ctx.shop.http.notifyPayment(crossed, b.noticeSecret, b.merchantId), 200, "B's notice naming A's order");
    // The platform's secret at the first shop's old address cannot pay A's order either.
    const viaDefault = paymentNotice(order, { paymentId: 'pay-via-default' });
    expectStatus(await ctx.shop.http.notifyPayment(viaDefault, ctx.product.config.paymentWebhookSecret), 200, "the first shop's notice naming A's order");
    await untouched(order, 'pay-forged');
    await untouched(order, 'pay-crossed');
    await untouched(order, 'pay-via-default');
    // A merchant that set no secret takes no notice at all (the platform's secret is the first shop's alone).
    const bare = await ctx.shop.http.as(PLATFORM_KEY).post('/v1/merchants', { merchantId: 'set-bare', name: 'Bare', contactEmail: 'bare@example.com' });
    expectStatus(bare, 201, 'a merchant without settings');
    expect((await ctx.shop.http.notifyPayment(paymentNotice(order), ctx.product.config.paymentWebhookSecret, 'set-bare')).status).toBe(401);
    // A's own secret pays it.
    await a.shop.pay(order);
    await a.shop.waitFor(order.orderId, 'DELIVERED');
  });

  it("keeps the first shop's notices working at both addresses, with the platform's secret", async () => {
    await ctx.shop.product('first-card', {}, keyCodes(2, 'FIRST'));
    for (const merchantId of [undefined, 'default']) {
      const order = await ctx.shop.order('first-card');
      expectStatus(await ctx.shop.http.notifyPayment(paymentNotice(order), ctx.product.config.paymentWebhookSecret, merchantId), 200, `first shop notice at ${merchantId ?? 'the old address'}`);
      await ctx.shop.waitFor(order.orderId, 'DELIVERED');
    }
  });

  it('shows the settings with every secret masked, and keeps them sealed at rest', async () => {
    const put = await admin(a).put(settingsOf(a), {
      webhook: { url: `${hook.url}/a`, secret: hookSecret },
      rails: { epay: { url: epayA.url, pid: epayA.pid, key: epayA.key } },
      complaintPolicy: { firstResponse: '2h', resolution: '3d' },
    });
    expectStatus(put, 200, 'PUT settings');
    const shown = await ctx.shop.http.as(PLATFORM_KEY).get(settingsOf(a));
    expectStatus(shown, 200, 'GET settings as the platform');
    expect(shown.body).toEqual({
      paymentWebhookSecret: '********',
      webhook: { url: `${hook.url}/a`, secret: '********' },
      rails: { epay: { url: epayA.url, pid: epayA.pid, key: '********' } },
      complaintPolicy: { firstResponse: '2h', resolution: '3d' },
    });
    const text = JSON.stringify((await admin(a).get(settingsOf(a))).body);
    for (const secret of [a.noticeSecret, hookSecret, epayA.key]) expect(text).not.toContain(secret);
    const stored = await ctx.product.store.merchants.findById(a.merchantId).lean();
    const row = JSON.stringify(stored);
    for (const secret of [a.noticeSecret, hookSecret, epayA.key]) expect(row).not.toContain(secret);
    // Sealed whole: the row's settings are one sealed value, nothing of them in the clear (not even the deadlines).
    expect(Object.keys((stored as unknown as { settings: object }).settings).sort()).toEqual(['data', 'iv', 'kid', 'salt', 'tag']);
    for (const clear of ['complaintPolicy', 'firstResponse', 'webhook', epayA.url]) expect(row).not.toContain(clear);
    // Null removes a section; one left out stays.
    expectStatus(await admin(b).put(settingsOf(b), { complaintPolicy: { firstResponse: '1h', resolution: '1d' } }), 200, 'B sets a policy');
    const cleared = await admin(b).put(settingsOf(b), { complaintPolicy: null });
    expect(cleared.body).toEqual({ paymentWebhookSecret: '********' });
    // Two sections saved at once by two callers: both kept.
    const [first, second] = await Promise.all([
      admin(b).put(settingsOf(b), { complaintPolicy: { firstResponse: '3h', resolution: '2d' } }),
      ctx.shop.http.as(PLATFORM_KEY).put(settingsOf(b), { webhook: { url: `${hook.url}/b-unused`, secret: hookSecret } }),
    ]);
    expectStatus(first, 200, 'policy saved');
    expectStatus(second, 200, 'webhook saved');
    expect(Object.keys((await admin(b).get(settingsOf(b))).body).sort()).toEqual(['complaintPolicy', 'paymentWebhookSecret', 'webhook']);
    expectStatus(await admin(b).put(settingsOf(b), { complaintPolicy: null, webhook: null }), 200, 'B back to its secret alone');
  });

  it("answers another merchant's settings as not there", async () => {
    for (const method of ['GET', 'PUT'] as const) {
      const answer = await admin(b).send(method, settingsOf(a), method === 'PUT' ? { paymentWebhookSecret: 'b-takes-over-a-0123456789' } : undefined);
      expect(answer.status).toBe(404);
    }
    expect((await a.shop.agent.get(settingsOf(a))).status).toBe(403);
    // A still pays with its own secret: B changed nothing.
    const order = await a.shop.order(sku);
    await a.shop.pay(order);
    await a.shop.waitFor(order.orderId, 'DELIVERED');
  });

  it('refuses bad settings naming the field, and changes nothing', async () => {
    const before = (await admin(a).get(settingsOf(a))).body;
    const cases: [unknown, string][] = [
      [{ paymentWebhookSecret: 'short' }, 'paymentWebhookSecret'],
      [{ paymentWebhookSecret: '********' }, 'paymentWebhookSecret'],
      [{ webhook: { url: 'ftp://example.com/x', secret: hookSecret } }, 'webhook.url'],
      [{ webhook: { url: `${hook.url}/a` } }, 'webhook.secret'],
      [{ complaintPolicy: { firstResponse: 'soon', resolution: '1d' } }, 'complaintPolicy.firstResponse'],
      [{ complaintPolicy: { firstResponse: '2d', resolution: '1d' } }, 'complaintPolicy.resolution'],
      [{ rails: { alipay: { appId: 'x', privateKey: '/etc/passwd', publicKey: '-----BEGIN PUBLIC KEY-----' } } }, 'rails.alipay.privateKey'],
      [{ rails: { alipay: { appId: 'x', privateKey: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----', publicKey: '-----BEGIN PUBLIC KEY-----\nno\n-----END PUBLIC KEY-----' } } }, 'rails.alipay.privateKey'],
      [{ rails: { paypal: {} } }, 'rails'],
      [{ colour: 'red' }, 'colour'],
    ];
    for (const [body, field] of cases) {
      const answer = await admin(a).put(settingsOf(a), body);
      expect({ body, status: answer.status, code: answer.body?.error?.code }).toEqual({ body, status: 400, code: 'invalid_request' });
      expect({ body, paths: answer.body.error.details.map((d: { path: string }) => d.path) }).toEqual({ body, paths: expect.arrayContaining([expect.stringContaining(field)]) });
    }
    expect((await admin(a).get(settingsOf(a))).body).toEqual(before);
  });

  it("verifies a merchant's rail notices with its own rail keys only", async () => {
    const order = await a.shop.order(sku);
    const own = (standIn: EpayStandIn, merchantId: string) => {
      const notice = standIn.paidNotice(order.orderId, {}, order.amount);
      return { ...notice, path: notice.path.replace('/v1/payments/epay/notify', `/v1/rails/epay/notify/${merchantId}`) };
    };
    // Signed with B's 易支付 key (which A has not): refused, as a bad sign is.
    const forged = await epayB.send(ctx.shop.http, own(epayB, a.merchantId));
    expect(forged).toMatchObject({ status: 400, body: 'fail' });
    // B has no rail of its own: its address is not there.
    expect((await epayB.send(ctx.shop.http, own(epayB, b.merchantId))).status).toBe(404);
    await untouched(order, epayB.trade(order.orderId).paymentId);
    // A's own key pays.
    const paid = await epayA.send(ctx.shop.http, own(epayA, a.merchantId));
    expect(paid).toMatchObject({ status: 200, body: 'success' });
    await a.shop.waitFor(order.orderId, 'DELIVERED');
  });

  it('takes a rail account at once in the process that saved it, and drops a removed one at once', async () => {
    const order = await a.shop.order(sku);
    const atB = () => {
      const notice = epayB.paidNotice(order.orderId, {}, order.amount);
      return epayB.send(ctx.shop.http, { ...notice, path: notice.path.replace('/v1/payments/epay/notify', `/v1/rails/epay/notify/${b.merchantId}`) });
    };
    // B's settings as the notice routes keep them: no 易支付 account.
    expect((await atB()).status).toBe(404);
    expectStatus(await admin(b).put(settingsOf(b), { rails: { epay: { url: epayB.url, pid: epayB.pid, key: epayB.key } } }), 200, "B's rail set");
    // At once, not 5 s later: B's account verifies the notice, which names A's order and so touches nothing.
    expect(await atB()).toMatchObject({ status: 200, body: 'success' });
    expectStatus(await admin(b).put(settingsOf(b), { rails: null }), 200, "B's rail removed");
    expect((await atB()).status).toBe(404);
    await untouched(order, epayB.trade(order.orderId).paymentId);
  });

  it("sends a merchant's order events to its own webhook, signed with its own secret", async () => {
    const order = await a.shop.order(sku);
    expectStatus(await a.shop.storefront.post(`/v1/orders/${order.orderId}/cancel`, {}), 200, 'cancel');
    const seen = await eventually(async () => delivered.find((r) => r.body?.orderId === order.orderId && r.body?.status === 'CANCELLED') ?? false, "A's cancellation at its webhook");
    expect(seen.path).toBe('/a');
    expect(seen.headers['webhook-signature']).toBeDefined();
    // Verified by the receiver with A's secret (it answers 401 to anything else): delivered once, never refused.
    const entry = await eventually(async () => {
      const row = await ctx.product.store.outbox.findOne({ orderId: order.orderId, status: 'CANCELLED' }).lean();
      return row?.delivery === 'sent' ? row : false;
    }, 'the outbox entry sent');
    expect(entry.delivery).toBe('sent');
    // Its products' stock alerts too.
    await a.shop.product('set-low', { lowStockThreshold: 1 }, keyCodes(2, 'LOW'));
    await a.shop.delivered('set-low');
    await eventually(async () => delivered.some((r) => r.path === '/a' && r.body?.type === 'stock.low' && r.body?.sku === 'set-low'), "A's low-stock alert at its webhook");
    // B set no webhook: none of its orders' events come here.
    const theirs = await b.shop.order(sku);
    expectStatus(await b.shop.storefront.post(`/v1/orders/${theirs.orderId}/cancel`, {}), 200, 'cancel B');
    await b.shop.waitFor(theirs.orderId, 'CANCELLED');
    const bEntry = await eventually(async () => (await ctx.product.store.outbox.findOne({ orderId: theirs.orderId, status: 'CANCELLED' }).lean()) ?? false, "B's outbox entry");
    expect(bEntry.delivery).toBe('not_configured');
    expect(delivered.some((r) => r.body?.orderId === theirs.orderId)).toBe(false);
  });

  it("gives a complaint on a merchant's order that merchant's deadlines", async () => {
    const order = await a.shop.delivered(sku);
    const filed = await order.buyer.post(`/v1/orders/${order.orderId}/complaints`, { category: 'service', description: 'Per-merchant deadlines.' });
    expectStatus(filed, 201, 'complaint on A');
    const view = (await a.shop.agent.get(`/v1/complaints/${filed.body.complaintId}`)).body;
    const after = (due: string) => Date.parse(due) - Date.parse(view.createdAt);
    expect(after(filed.body.firstResponseDueAt)).toBe(2 * 3_600_000);
    expect(after(filed.body.resolutionDueAt)).toBe(3 * 86_400_000);
    // B cleared its policy: the platform's deadlines.
    const theirs = await b.shop.delivered(sku);
    const onB = await theirs.buyer.post(`/v1/orders/${theirs.orderId}/complaints`, { category: 'service', description: 'Platform deadlines.' });
    expectStatus(onB, 201, 'complaint on B');
    const bView = (await b.shop.agent.get(`/v1/complaints/${onB.body.complaintId}`)).body;
    expect(Date.parse(onB.body.firstResponseDueAt) - Date.parse(bView.createdAt)).toBe(ctx.product.config.complaint.firstResponseMs);
  });
});

describe("a platform that keeps merchants' webhooks off its own network (MERCHANT_WEBHOOK_ADDRESSES=public)", () => {
  const delivered: Recorded[] = [];
  let hook: FakeServer;
  beforeAll(async () => {
    hook = await new FakeServer((r): Reply => {
      delivered.push(r);
      return { status: 204 };
    }).start();
  });
  afterAll(async () => hook?.stop());
  const ctx = productWithShop(() => ({ API_KEYS: WITH_PLATFORM, MERCHANT_WEBHOOK_ADDRESSES: 'public' }));
  let m: Merchant;
  beforeAll(async () => {
    m = await newMerchant(new ApiClient(ctx.product.api.url), ctx.product.config.paymentWebhookSecret, 'net-a');
    await m.shop.product('net-card', {}, keyCodes(1, 'NET'));
  });
  const secret = `hook-${randomBytes(12).toString('hex')}`;

  it('refuses a webhook URL on its network or not https, naming the field, and keeps a public https one', async () => {
    for (const [url, reason] of [
      [`${hook.url}/hook`, 'must be an https URL'],
      ['https://127.0.0.1/hook', "must not point at the platform's own network (127.0.0.1)"],
      ['https://169.254.169.254/latest/meta-data', "must not point at the platform's own network (169.254.169.254)"],
      ['https://localhost./hook', "must not point at the platform's own network (localhost)"],
    ]) {
      const answer = await m.shop.admin.put(`/v1/merchants/${m.merchantId}/settings`, { webhook: { url, secret } });
      expect({ url, status: answer.status, details: answer.body.error?.details }).toEqual({ url, status: 400, details: [{ path: 'webhook.url', reason }] });
    }
    expect((await m.shop.admin.get(`/v1/merchants/${m.merchantId}/settings`)).body.webhook).toBeUndefined();
    expectStatus(await m.shop.admin.put(`/v1/merchants/${m.merchantId}/settings`, { webhook: { url: 'https://hooks.example.com/kamiflow', secret } }), 200, 'a public https webhook');
  });

  it('does not call a URL on its network saved before the platform refused them, and records why', async () => {
    // Saved while the platform allowed any address (as its settings were then), the receiver on this machine.
    await changeSettings(ctx.product.store, ctx.product.vault, m.merchantId, { webhook: { url: `${hook.url}/hook`, secret } });
    const order = await m.shop.order('net-card');
    expectStatus(await m.shop.storefront.post(`/v1/orders/${order.orderId}/cancel`, {}), 200, 'cancel');
    const entry = await eventually(async () => {
      const row = await ctx.product.store.outbox.findOne({ orderId: order.orderId, status: 'CANCELLED' }).lean();
      return row?.delivery === 'refused' ? row : false;
    }, 'the cancellation kept, not sent');
    expect(entry.refusedReason).toBe('must be an https URL');
    expect(entry.attempts).toBe(0);
    expect(delivered).toEqual([]);
  });
});
