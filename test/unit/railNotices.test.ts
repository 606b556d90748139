import { createSign, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config';
import { alipayRail } from '../../payments/rails/alipay';
import { epayRail } from '../../payments/rails/epay';
import type { NoticeRequest, ProviderRail } from '../../payments/rails/rail';
import { stripeRail } from '../../payments/rails/stripe';
import { wechatpayRail } from '../../payments/rails/wechatpay';
import { AlipayStandIn } from '../support/rails/alipay';
import { EpayStandIn } from '../support/rails/epay';
import type { SignedNotice } from '../support/rails/standIn';
import { StripeStandIn } from '../support/rails/stripe';
import { WechatPayStandIn } from '../support/rails/wechatpay';

/*
 * Each rail's notice verification on its own, with notices signed the provider's way by the
 * stand-ins (never started here: nothing is sent). What the end-to-end suites cannot reach cheaply:
 * key rotation, refund notices, other event types, and garbage that must be refused, never thrown.
 */
const NOWHERE = 'http://127.0.0.1:9';
const AMOUNT = { amount: 5000, currency: 'CNY' };

function config(env: Record<string, string>) {
  return loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'kamiflow-notices-')), PUBLIC_BASE_URL: 'https://shop.example.test', ...env });
}

function request(notice: SignedNotice): NoticeRequest {
  const url = new URL(notice.path, 'http://api');
  const headers = Object.fromEntries(Object.entries(notice.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: notice.method, raw: Buffer.from(notice.body), query: url.searchParams, header: (name) => headers[name.toLowerCase()] };
}

const garbage: NoticeRequest[] = [
  { method: 'POST', raw: Buffer.alloc(0), query: new URLSearchParams(), header: () => undefined },
  { method: 'POST', raw: randomBytes(512), query: new URLSearchParams(), header: () => 'x' },
  { method: 'POST', raw: Buffer.from('{"resource":{"algorithm":"AEAD_AES_256_GCM","ciphertext":"AAAA","nonce":"n"}}'), query: new URLSearchParams('sign=abc&pid=1'), header: () => 't=1,v1=00' },
];

describe('rail notices', () => {
  it('every rail refuses garbage, unsigned or half-signed requests without throwing', () => {
    const alipay = new AlipayStandIn();
    const wechat = new WechatPayStandIn();
    const stripe = new StripeStandIn();
    const epay = new EpayStandIn();
    const c = config({ ...alipay.env(), ALIPAY_GATEWAY: NOWHERE, ...wechat.env(), WECHATPAY_BASE_URL: NOWHERE, ...stripe.env(), STRIPE_API_BASE: NOWHERE, ...epay.env(), EPAY_URL: NOWHERE });
    const rails: ProviderRail[] = [alipayRail(c.rails.alipay!, c), wechatpayRail(c.rails.wechatpay!, c), stripeRail(c.rails.stripe!, c), epayRail(c.rails.epay!, c)];
    for (const rail of rails) {
      for (const req of garbage) expect(rail.verifyNotice(req)).toEqual({ kind: 'refused', why: expect.any(String) });
    }
  });

  it('WeChat Pay: a notice signed with the newer platform key of a switch-over verifies; an unknown serial does not', () => {
    const current = new WechatPayStandIn();
    const newer = new WechatPayStandIn();
    Object.assign(newer, { apiV3Key: current.apiV3Key }); // one merchant, one APIv3 key, two platform keys
    const c = config({ ...current.env(), WECHATPAY_BASE_URL: NOWHERE, WECHATPAY_PLATFORM_KEYS: `${newer.platformSerial}=${newer.platform.publicKey}` });
    const rail = wechatpayRail(c.rails.wechatpay!, c);
    expect(rail.verifyNotice(request(newer.paidNotice('order-1', {}, AMOUNT)))).toMatchObject({ kind: 'payment', notice: { orderId: 'order-1', amount: AMOUNT, method: 'wechatpay' } });
    expect(rail.verifyNotice(request(current.paidNotice('order-2', {}, AMOUNT)))).toMatchObject({ kind: 'payment' });

    const stranger = new WechatPayStandIn();
    Object.assign(stranger, { apiV3Key: current.apiV3Key });
    expect(rail.verifyNotice(request(stranger.paidNotice('order-3', {}, AMOUNT)))).toMatchObject({ kind: 'refused' });
  });

  it('WeChat Pay: a refund notice or an unpaid state is acknowledged, not taken as payment', () => {
    const s = new WechatPayStandIn();
    const c = config({ ...s.env(), WECHATPAY_BASE_URL: NOWHERE });
    const rail = wechatpayRail(c.rails.wechatpay!, c);
    const refund = s.encryptedNotice('REFUND.SUCCESS', 'refund', { mchid: s.mchid, out_trade_no: 'o', transaction_id: 't', out_refund_no: 'r', refund_status: 'SUCCESS', amount: { total: 5000, refund: 5000 } });
    expect(rail.verifyNotice(request(refund))).toMatchObject({ kind: 'ignored' }); // ours (our mchid), so acknowledged and not resent
    const elsewhere = s.encryptedNotice('REFUND.SUCCESS', 'refund', { mchid: '1900000999', out_trade_no: 'o', refund_status: 'SUCCESS' });
    expect(rail.verifyNotice(request(elsewhere))).toMatchObject({ kind: 'refused' });
    const closed = s.encryptedNotice('TRANSACTION.SUCCESS', 'transaction', { mchid: s.mchid, appid: s.appid, out_trade_no: 'o', transaction_id: 't', trade_state: 'CLOSED', amount: { total: 5000 } });
    expect(rail.verifyNotice(request(closed))).toMatchObject({ kind: 'ignored' });
  });

  it("Alipay: a partial refund's TRADE_SUCCESS notice and a closed trade are acknowledged, not payments", () => {
    const s = new AlipayStandIn();
    const c = config({ ...s.env(), ALIPAY_GATEWAY: NOWHERE });
    const rail = alipayRail(c.rails.alipay!, c);
    const signed = (extra: Record<string, string>): NoticeRequest => {
      const params: Record<string, string> = { app_id: s.appId, trade_no: '2026001', out_trade_no: 'order-1', total_amount: '50.00', trade_status: 'TRADE_SUCCESS', notify_id: 'n1', ...extra };
      const content = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join('&');
      params.sign = createSign('RSA-SHA256').update(content).sign(s.alipay.privateKey, 'base64');
      params.sign_type = 'RSA2';
      return request({ path: '/', method: 'POST', body: new URLSearchParams(params).toString(), headers: {} });
    };
    expect(rail.verifyNotice(signed({}))).toMatchObject({ kind: 'payment', notice: { eventId: 'alipay:2026001:TRADE_SUCCESS', amount: AMOUNT } });
    expect(rail.verifyNotice(signed({ refund_fee: '10.00', gmt_refund: '2026-11-30 12:00:00', out_biz_no: 'refund-x' }))).toMatchObject({ kind: 'ignored' });
    expect(rail.verifyNotice(signed({ trade_status: 'TRADE_CLOSED' }))).toMatchObject({ kind: 'ignored' });
    expect(rail.verifyNotice(signed({ total_amount: '50.001' }))).toMatchObject({ kind: 'refused' });
  });

  it('Stripe: a failed PaymentIntent is a failed notice; other event types are acknowledged', () => {
    const s = new StripeStandIn();
    const c = config({ ...s.env(), STRIPE_API_BASE: NOWHERE });
    const rail = stripeRail(c.rails.stripe!, c);
    const intent = { id: 'pi_1', object: 'payment_intent', amount: 5000, amount_received: 0, currency: 'cny', status: 'requires_payment_method', metadata: { orderId: 'order-1' } };
    expect(rail.verifyNotice(request(s.event('payment_intent.payment_failed', intent)))).toMatchObject({ kind: 'payment', notice: { status: 'failed', paymentId: 'pi_1', orderId: 'order-1' } });
    expect(rail.verifyNotice(request(s.event('customer.created', { id: 'cus_1' })))).toMatchObject({ kind: 'ignored' });
    expect(rail.verifyNotice(request(s.event('payment_intent.succeeded', { ...intent, metadata: {} })))).toMatchObject({ kind: 'ignored' });
  });

  it('易支付: a POSTed form verifies like a GET, an upper-case sign too; a changed key does not', () => {
    const s = new EpayStandIn();
    const c = config({ ...s.env(), EPAY_URL: NOWHERE });
    const rail = epayRail(c.rails.epay!, c);
    const get = s.paidNotice('order-1', {}, AMOUNT);
    const query = new URL(get.path, 'http://api').searchParams;
    const post = request({ path: '/v1/payments/epay/notify', method: 'POST', body: query.toString(), headers: {} });
    expect(rail.verifyNotice(post)).toMatchObject({ kind: 'payment', notice: { orderId: 'order-1', amount: AMOUNT, method: 'epay' } });
    query.set('sign', String(query.get('sign')).toUpperCase());
    expect(rail.verifyNotice(request({ ...get, path: `/n?${query}` }))).toMatchObject({ kind: 'payment' });
    const other = config({ ...s.env(), EPAY_URL: NOWHERE, EPAY_KEY: 'another-key-123456' });
    expect(epayRail(other.rails.epay!, other).verifyNotice(request(get))).toMatchObject({ kind: 'refused' });
  });
});
