import { createSign, createVerify } from 'node:crypto';
import { fromMajorUnits, toMajorUnits } from '../../../domain/money';
import type { Money } from '../../../domain/money';
import { beijingTime } from '../../../payments/rails/clock';
import type { Recorded, Reply } from '../fakeServer';
import type { Answer } from '../http';
import { ProviderStandIn, randomId, rsaKeys, type NoticeOptions, type SignedNotice } from './standIn';

/** Alipay's string to sign: params sorted by name, `sign` (and `sign_type` for notices) left out, `k=v&…`. */
function signContent(params: Record<string, string>, leaveOut: string[]): string {
  return Object.keys(params)
    .filter((k) => !leaveOut.includes(k) && params[k] !== '' && params[k] !== undefined)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

/**
 * Alipay's OpenAPI gateway (`alipay.trade.refund`, `alipay.trade.fastpay.refund.query`,
 * `alipay.trade.query`) and its async notifications, as documented: requests verified with the
 * app's public key, answers and notices signed RSA2 with Alipay's private key.
 */
export class AlipayStandIn extends ProviderStandIn {
  readonly method = 'alipay' as const;
  readonly refusedStatus = 400;
  readonly appId = `2021${Date.now()}`.slice(0, 16);
  readonly app = rsaKeys();
  readonly alipay = rsaKeys();
  private readonly refundsByKey = new Map<string, { orderId: string; amount: string }>();

  env(): Record<string, string> {
    return {
      ALIPAY_APP_ID: this.appId,
      ALIPAY_PRIVATE_KEY: this.app.privateKey,
      ALIPAY_PUBLIC_KEY: this.alipay.publicKey,
      ALIPAY_GATEWAY: `${this.url}/gateway.do`,
    };
  }

  secrets(): string[] {
    return [pemBody(this.app.privateKey)];
  }

  protected newPaymentId(): string {
    return `2026${randomId('', 10)}`;
  }

  protected route(req: Recorded): Reply {
    if (req.path !== '/gateway.do' || req.method !== 'POST') return { status: 404, body: { error: 'no such route' } };
    const params: Record<string, string> = { ...Object.fromEntries(req.query), ...Object.fromEntries(new URLSearchParams(req.raw)) };
    const method = params.method;
    const key = `${method.replace(/\./g, '_')}_response`;
    const verified = createVerify('RSA-SHA256').update(signContent(params, ['sign'])).verify(this.app.publicKey, params.sign ?? '', 'base64');
    if (!verified || params.app_id !== this.appId) return this.answer('error_response', { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature' });
    const biz = JSON.parse(params.biz_content ?? '{}');
    if (method === 'alipay.trade.query') {
      this.lookups.push(biz.out_trade_no);
      const trade = this.trades.get(biz.out_trade_no);
      if (!trade) return this.answer(key, { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_NOT_EXIST' });
      return this.answer(key, {
        code: '10000', msg: 'Success', out_trade_no: trade.orderId, trade_no: trade.paymentId,
        trade_status: trade.paid ? 'TRADE_SUCCESS' : 'WAIT_BUYER_PAY', total_amount: toMajorUnits(trade.amount),
        ...(trade.paidAt ? { send_pay_date: beijingTime(trade.paidAt, ' ') } : {}),
      });
    }
    if (method === 'alipay.trade.close') {
      const trade = this.trades.get(biz.out_trade_no);
      if (!trade) return this.answer(key, { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_NOT_EXIST' });
      if (trade.paid) return this.answer(key, { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.TRADE_STATUS_ERROR' });
      this.closed.add(trade.orderId);
      return this.answer(key, { code: '10000', msg: 'Success', out_trade_no: trade.orderId });
    }
    if (method === 'alipay.trade.refund') {
      const earlier = this.refundsByKey.get(biz.out_request_no);
      const call = this.refundCall(biz.out_request_no, biz.out_trade_no, biz.trade_no, fromMajorUnits(biz.refund_amount, 'CNY')?.amount ?? -1);
      if (call.answer === 'failed') return this.answer(key, { code: '20000', msg: 'Service Currently Unavailable', sub_code: 'ACQ.SYSTEM_ERROR' });
      if (call.answer === 'refused') return this.answer(key, { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.SELLER_BALANCE_NOT_ENOUGH', sub_msg: '卖家余额不足' });
      if (!earlier) this.refundsByKey.set(biz.out_request_no, { orderId: biz.out_trade_no, amount: biz.refund_amount });
      // A repeated out_request_no is accepted again, but moves no money: fund_change N.
      return this.answer(key, { code: '10000', msg: 'Success', trade_no: biz.trade_no, out_trade_no: biz.out_trade_no, refund_fee: biz.refund_amount, fund_change: earlier ? 'N' : 'Y' });
    }
    if (method === 'alipay.trade.fastpay.refund.query') {
      const refund = this.refundsByKey.get(biz.out_request_no);
      return this.answer(key, refund ? { code: '10000', msg: 'Success', out_request_no: biz.out_request_no, refund_status: 'REFUND_SUCCESS', refund_amount: refund.amount } : { code: '10000', msg: 'Success' });
    }
    return this.answer('error_response', { code: '40004', msg: 'Business Failed', sub_code: 'isv.invalid-method' });
  }

  /** `{"<method>_response": {...}, "sign": "..."}`, signed over the inner object's exact text. */
  private answer(key: string, inner: Record<string, string>): Reply {
    const text = JSON.stringify(inner);
    const sign = createSign('RSA-SHA256').update(text).sign(this.alipay.privateKey, 'base64');
    return { status: 200, text: `{"${key}":${text},"sign":"${sign}"}` };
  }

  paidNotice(orderId: string, options: NoticeOptions, amount: Money): SignedNotice {
    const trade = this.trade(orderId, amount);
    trade.paid = true;
    const params: Record<string, string> = {
      notify_time: '2026-11-30 12:00:00',
      notify_type: 'trade_status_sync',
      notify_id: randomId('', 12),
      app_id: options.otherMerchant ? '2021000000000001' : this.appId,
      charset: 'utf-8',
      version: '1.0',
      sign_type: 'RSA2',
      trade_no: trade.paymentId,
      out_trade_no: orderId,
      trade_status: 'TRADE_SUCCESS',
      total_amount: toMajorUnits({ amount: options.amount ?? trade.amount.amount, currency: 'CNY' }),
      subject: '1 × card',
      gmt_payment: '2026-11-30 12:00:00',
    };
    params.sign = createSign('RSA-SHA256').update(signContent(params, ['sign', 'sign_type'])).sign(options.forged ? rsaKeys().privateKey : this.alipay.privateKey, 'base64');
    return { path: '/v1/payments/alipay/notify', method: 'POST', body: new URLSearchParams(params).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  }

  tamper(notice: SignedNotice): SignedNotice {
    const params = new URLSearchParams(notice.body);
    params.set('total_amount', '0.01');
    return { ...notice, body: params.toString() };
  }

  acknowledged(answer: Answer): boolean {
    return answer.status === 200 && answer.body === 'success';
  }

  checkoutFits(checkout: Record<string, string>, order: { orderId: string; amount: Money }): void {
    const url = new URL(checkout.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${this.url}/gateway.do`);
    const params = Object.fromEntries(url.searchParams);
    expect(params.method).toBe('alipay.trade.page.pay');
    expect(params.notify_url).toMatch(/\/v1\/payments\/alipay\/notify$/);
    expect(createVerify('RSA-SHA256').update(signContent(params, ['sign'])).verify(this.app.publicKey, params.sign, 'base64')).toBe(true);
    const biz = JSON.parse(params.biz_content);
    expect(biz).toMatchObject({ out_trade_no: order.orderId, total_amount: toMajorUnits(order.amount), product_code: 'FAST_INSTANT_TRADE_PAY' });
    expect(biz.time_expire).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    // The page-pay URL is the checkout: the trade exists at Alipay once the buyer opens it.
    this.trade(order.orderId, order.amount);
  }
}

export function pemBody(pem: string): string {
  return pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '').slice(0, 64);
}
