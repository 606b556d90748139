import { createVerify } from 'node:crypto';
import { disputeWorkflowId } from '../../../domain/dispute';
import { toMajorUnits } from '../../../domain/money';
import { ApiClient, eventually, type Answer } from '../../support/http';
import { newMerchant, WITH_PLATFORM, type Merchant } from '../../support/merchants';
import { expectStatus, keyCodes, productWithShop, timelineTypes, type PlacedOrder } from '../../support/orders';
import { AlipayStandIn } from '../../support/rails/alipay';
import { randomId, type ProviderStandIn, type SignedNotice } from '../../support/rails/standIn';
import { StripeStandIn } from '../../support/rails/stripe';
import { WechatPayStandIn } from '../../support/rails/wechatpay';

/** The orders wait this long for payment, so a lost notice is reconciled within the test. */
const PAYMENT_TIMEOUT = '6s';
const BASE = 'https://platform.example.test';

/**
 * Each merchant's money moves through its own provider accounts: two merchants with different
 * Alipay apps (and WeChat Pay merchant keys) at their own stand-ins, beside the platform's own
 * Alipay app. Merchant B's checkout, refund, reconciliation lookup, provider close and complaint
 * replies reach B's stand-in signed with B's keys (each stand-in refuses any other key), and
 * nothing of B's order reaches A's or the platform's; a merchant without an Alipay account of its
 * own cannot take an Alipay order; a WeChat Pay complaint on B's order keeps B's deadlines.
 */
describe("each merchant's own payment rail accounts", () => {
  const platformAlipay = new AlipayStandIn();
  const platformWechat = new WechatPayStandIn();
  const alipayA = new AlipayStandIn();
  const alipayB = new AlipayStandIn();
  const wechatA = new WechatPayStandIn();
  const wechatB = new WechatPayStandIn();
  const stripeA = new StripeStandIn();
  const stripeB = new StripeStandIn();
  const standIns: ProviderStandIn[] = [platformAlipay, platformWechat, alipayA, alipayB, wechatA, wechatB, stripeA, stripeB];
  beforeAll(() => Promise.all(standIns.map((s) => s.start())));
  afterAll(() => Promise.all(standIns.map((s) => s.stop())));
  const ctx = productWithShop(() => ({ ...platformAlipay.env(), ...platformWechat.env(), API_KEYS: WITH_PLATFORM, PUBLIC_BASE_URL: BASE, PAYMENT_TIMEOUT }));
  const sku = 'own-rail-card';
  const price = { amount: 4200, currency: 'CNY' };
  let a: Merchant;
  let b: Merchant;
  let c: Merchant;

  const accounts = (alipay: AlipayStandIn, wechat: WechatPayStandIn, stripe: StripeStandIn) => ({
    stripe: { secretKey: stripe.secretKey, webhookSecret: stripe.webhookSecret, apiBase: stripe.url },
    alipay: { appId: alipay.appId, privateKey: alipay.app.privateKey, publicKey: alipay.alipay.publicKey, gateway: `${alipay.url}/gateway.do` },
    wechatpay: {
      mchid: wechat.mchid,
      appid: wechat.appid,
      serial: wechat.merchantSerial,
      privateKey: wechat.merchant.privateKey,
      apiV3Key: wechat.apiV3Key,
      platformPublicKey: wechat.platform.publicKey,
      platformSerial: wechat.platformSerial,
      baseUrl: wechat.url,
    },
  });

  beforeAll(async () => {
    const http = new ApiClient(ctx.product.api.url);
    [a, b, c] = await Promise.all(['rail-a', 'rail-b', 'rail-c'].map((id) => newMerchant(http, ctx.product.config.paymentWebhookSecret, id)));
    const settings = (m: Merchant, body: object) => m.shop.admin.put(`/v1/merchants/${m.merchantId}/settings`, body);
    expectStatus(await settings(a, { rails: accounts(alipayA, wechatA, stripeA) }), 200, "A's accounts");
    expectStatus(await settings(b, { rails: accounts(alipayB, wechatB, stripeB), complaintPolicy: { firstResponse: '3h', resolution: '4d' } }), 200, "B's accounts");
    await Promise.all([a, b, c].map((m) => m.shop.product(sku, { price }, keyCodes(6, m.merchantId.toUpperCase()))));
  });

  async function order(m: Merchant, method: 'alipay' | 'wechatpay' | 'stripe'): Promise<PlacedOrder & { checkout: Record<string, string> }> {
    const answer = await m.shop.storefront.post('/v1/orders', { sku, buyer: { email: 'buyer@example.com' }, payment: { method } });
    expectStatus(answer, 201, `${method} order of ${m.merchantId}`);
    const { orderId, orderToken, amount } = answer.body;
    return { orderId, orderToken, amount, buyer: ctx.shop.http.buyer(orderToken), checkout: answer.body.payment.checkout };
  }

  /** A provider's notice sent to the merchant's own address, as its account is registered to notify. */
  const at = (notice: SignedNotice, path: string): SignedNotice => ({ ...notice, path });
  const send = (standIn: ProviderStandIn, notice: SignedNotice): Promise<Answer> => standIn.send(ctx.shop.http, notice);

  /** Nothing about the order reached the stand-ins of the other accounts. */
  function untouchedElsewhere(orderId: string, ...others: ProviderStandIn[]): void {
    for (const other of others) {
      expect(other.server.requests.filter((r) => `${r.path} ${r.raw} ${r.query}`.includes(orderId))).toEqual([]);
      expect(other.lookups).not.toContain(orderId);
      expect(other.refundCalls.filter((call) => call.orderId === orderId)).toEqual([]);
    }
  }

  it("opens B's checkout with B's Alipay app, notified at B's own address", async () => {
    const placed = await order(b, 'alipay');
    const url = new URL(placed.checkout.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${alipayB.url}/gateway.do`);
    const params = Object.fromEntries(url.searchParams);
    expect(params.app_id).toBe(alipayB.appId);
    const signed = Object.keys(params).filter((k) => k !== 'sign' && params[k] !== '').sort().map((k) => `${k}=${params[k]}`).join('&');
    expect(createVerify('RSA-SHA256').update(signed).verify(alipayB.app.publicKey, params.sign, 'base64')).toBe(true);
    expect(params.notify_url).toBe(`${BASE}/v1/rails/alipay/notify/${b.merchantId}`);
    expect(JSON.parse(params.biz_content)).toMatchObject({ out_trade_no: placed.orderId, total_amount: toMajorUnits(price) });
    // A's own order is A's.
    const theirs = await order(a, 'alipay');
    expect(new URL(theirs.checkout.url).searchParams.get('app_id')).toBe(alipayA.appId);
    await Promise.all([b, a].map((m, i) => m.shop.storefront.post(`/v1/orders/${[placed, theirs][i].orderId}/cancel`, {})));
  });

  it("refunds a wrong-amount payment on B's order through B's Alipay app only", async () => {
    const placed = await order(b, 'alipay');
    const paid = alipayB.paidNotice(placed.orderId, { amount: price.amount - 1 }, placed.amount);
    expect(alipayB.acknowledged(await send(alipayB, at(paid, `/v1/rails/alipay/notify/${b.merchantId}`)))).toBe(true);
    const view = await eventually(async () => {
      const v = await b.shop.view(placed.orderId);
      return timelineTypes(v).includes('payment_refunded') ? v : false;
    }, 'the mismatched payment refunded');
    expect(view.paymentId).toBeUndefined();
    // B's stand-in takes only requests signed with B's app key: the refund is paid there, once.
    expect(alipayB.payouts(placed.orderId)).toEqual([expect.objectContaining({ amount: price.amount - 1 })]);
    untouchedElsewhere(placed.orderId, alipayA, platformAlipay);
    await b.shop.storefront.post(`/v1/orders/${placed.orderId}/cancel`, {});
  });

  it("reconciles B's lost payment and closes B's unpaid order at B's Alipay app only", async () => {
    const [lost, unpaid] = [await order(b, 'alipay'), await order(b, 'alipay')];
    alipayB.markPaid(lost.orderId, lost.amount); // paid, but the notice never came
    alipayB.trade(unpaid.orderId, unpaid.amount); // the buyer opened the checkout and left
    const delivered = await b.shop.waitFor(lost.orderId, 'DELIVERED');
    expect(delivered.paymentId).toBe(alipayB.trade(lost.orderId).paymentId);
    expect(alipayB.lookups).toContain(lost.orderId);
    await b.shop.waitFor(unpaid.orderId, 'CANCELLED');
    await eventually(async () => alipayB.closed.has(unpaid.orderId), "B's unpaid order closed at B's app");
    untouchedElsewhere(lost.orderId, alipayA, platformAlipay);
    untouchedElsewhere(unpaid.orderId, alipayA, platformAlipay);
  });

  it('refuses an Alipay order of a merchant with no Alipay account of its own, naming payment.method', async () => {
    const before = await ctx.product.store.orderAccess.countDocuments({ merchantId: c.merchantId });
    const answer = await c.shop.storefront.post('/v1/orders', { sku, buyer: { email: 'buyer@example.com' }, payment: { method: 'alipay' } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details).toEqual([expect.objectContaining({ path: 'payment.method' })]);
    expect(await ctx.product.store.orderAccess.countDocuments({ merchantId: c.merchantId })).toBe(before);
    // Its generic orders are taken as before.
    expectStatus(await c.shop.storefront.post('/v1/orders', { sku, buyer: { email: 'buyer@example.com' } }), 201, 'generic order of C');
  });

  it("takes B's WeChat Pay complaint notice at B's address with B's key only, gives it B's deadlines, and replies through B's account", async () => {
    const placed = await order(b, 'wechatpay');
    expect(wechatB.server.requests.some((r) => r.path === '/v3/pay/transactions/native' && r.body?.out_trade_no === placed.orderId && r.body.notify_url === `${BASE}/v1/rails/wechatpay/notify/${b.merchantId}`)).toBe(true);
    expect(wechatB.acknowledged(await send(wechatB, at(wechatB.paidNotice(placed.orderId, {}, placed.amount), `/v1/rails/wechatpay/notify/${b.merchantId}`)))).toBe(true);
    await b.shop.waitFor(placed.orderId, 'DELIVERED');

    const id = wechatB.complain(placed.orderId, { detail: '卡密无效' });
    const path = `/v1/payments/wechatpay/complaints/notify/${b.merchantId}`;
    // The same complaint signed with A's WeChat Pay keys: refused at B's address, nothing opened.
    wechatA.trade(placed.orderId, placed.amount);
    expect((await send(wechatA, at(wechatA.complaintNotice(id, 'CREATE_COMPLAINT'), path))).status).toBe(401);
    expect(await ctx.product.store.complaintViews.countDocuments({ orderId: placed.orderId })).toBe(0);

    expect(wechatB.acknowledged(await send(wechatB, at(wechatB.complaintNotice(id, 'CREATE_COMPLAINT'), path)))).toBe(true);
    const complaint = await eventually(async () => {
      const items = (await b.shop.agent.get('/v1/complaints?limit=100')).body.items as any[];
      return items.find((i) => i.orderId === placed.orderId) ?? false;
    }, "the WeChat Pay complaint in B's queue");
    expect(complaint).toMatchObject({ source: 'wechatpay', external: { id } });
    const view = (await b.shop.agent.get(`/v1/complaints/${complaint.complaintId}`)).body;
    const after = (due: string) => Date.parse(due) - Date.parse(view.createdAt);
    expect(after(view.firstResponseDueAt)).toBe(3 * 3_600_000);
    expect(after(view.resolutionDueAt)).toBe(4 * 86_400_000);

    const note = '您好，我们正在核实卡密';
    expectStatus(await b.shop.agent.post(`/v1/complaints/${complaint.complaintId}/actions`, { action: 'acknowledge', note }), 200, 'acknowledge');
    await eventually(async () => wechatB.complaintResponses.some((r) => r.complaintId === id && r.text === note), "the answer at B's WeChat Pay account");
    expect(wechatB.badRequests).toEqual([]);
    expect(wechatA.complaintResponses).toEqual([]);
    expect(wechatA.server.requests.filter((r) => r.path.includes(id))).toEqual([]);
  });

  it("creates B's PaymentIntent with B's Stripe key, and opens a dispute at B's address with B's deadlines, read with B's key", async () => {
    const placed = await order(b, 'stripe');
    const intent = stripeB.intents.get(placed.checkout.paymentIntentId);
    expect(intent?.metadata.orderId).toBe(placed.orderId);
    const path = `/v1/rails/stripe/notify/${b.merchantId}`;
    expect(stripeB.acknowledged(await send(stripeB, at(stripeB.paidNotice(placed.orderId, {}, placed.amount), path)))).toBe(true);
    await b.shop.waitFor(placed.orderId, 'DELIVERED');

    const dispute = { id: randomId('dp_', 12), status: 'needs_response' };
    // Signed with A's webhook secret: refused at B's address.
    stripeA.trade(placed.orderId, placed.amount);
    expect((await send(stripeA, at(stripeA.disputeEvent('charge.dispute.created', placed.orderId, dispute), path))).status).toBe(400);
    expect(stripeB.acknowledged(await send(stripeB, at(stripeB.disputeEvent('charge.dispute.created', placed.orderId, dispute), path)))).toBe(true);
    const complaint = await eventually(async () => {
      const items = (await b.shop.agent.get('/v1/complaints?limit=100')).body.items as any[];
      return items.find((i) => i.orderId === placed.orderId) ?? false;
    }, "the Stripe dispute in B's queue");
    expect(complaint).toMatchObject({ source: 'stripe_dispute', external: { id: dispute.id } });
    const view = (await b.shop.agent.get(`/v1/complaints/${complaint.complaintId}`)).body;
    expect(Date.parse(view.firstResponseDueAt) - Date.parse(view.createdAt)).toBe(3 * 3_600_000);
    expect(Date.parse(view.resolutionDueAt) - Date.parse(view.createdAt)).toBe(4 * 86_400_000);
    untouchedElsewhere(placed.orderId, stripeA);
    expect(stripeA.server.requests.filter((r) => r.path.startsWith('/v1/'))).toEqual([]);
  });

  it("opens nothing on B's order for a WeChat Pay complaint at the platform's own address, which is the first shop's", async () => {
    const placed = await order(b, 'wechatpay');
    expect(wechatB.acknowledged(await send(wechatB, at(wechatB.paidNotice(placed.orderId, {}, placed.amount), `/v1/rails/wechatpay/notify/${b.merchantId}`)))).toBe(true);
    await b.shop.waitFor(placed.orderId, 'DELIVERED');
    // The platform's WeChat Pay account holds a complaint whose trade names B's order.
    platformWechat.trade(placed.orderId, placed.amount);
    const id = platformWechat.complain(placed.orderId, { detail: '卡密无效' });
    expect(platformWechat.acknowledged(await send(platformWechat, platformWechat.complaintNotice(id, 'CREATE_COMPLAINT')))).toBe(true);
    expect(await ctx.product.client.workflow.getHandle(disputeWorkflowId('wechatpay', id)).result()).toBeNull();
    expect(await ctx.product.store.complaintViews.countDocuments({ orderId: placed.orderId })).toBe(0);
    expect((await b.shop.view(placed.orderId)).status).toBe('DELIVERED');
  });

  it("opens nothing on A's order for a dispute at B's Stripe account that names it", async () => {
    const theirs = await a.shop.delivered(sku);
    // B's Stripe account holds a PaymentIntent whose metadata names A's order (B's own doing, or a forgery at B).
    stripeB.paidNotice(theirs.orderId, {}, theirs.amount);
    const dispute = { id: randomId('dp_', 12), status: 'needs_response' };
    const path = `/v1/rails/stripe/notify/${b.merchantId}`;
    expect(stripeB.acknowledged(await send(stripeB, at(stripeB.disputeEvent('charge.dispute.created', theirs.orderId, dispute), path)))).toBe(true);
    expect(await ctx.product.client.workflow.getHandle(disputeWorkflowId('stripe_dispute', dispute.id)).result()).toBeNull();
    expect(await ctx.product.store.complaintViews.countDocuments({ orderId: theirs.orderId })).toBe(0);
    expect((await a.shop.view(theirs.orderId)).status).toBe('DELIVERED');
  });
});
