import { fromMajorUnits, toMajorUnits, type Money } from '../../../domain/money';
import { beijingTime } from '../../../payments/rails/clock';
import type { Recorded, Reply } from '../fakeServer';
import type { Answer } from '../http';
import { ProviderStandIn, randomId, type NoticeOptions, type SignedNotice } from './standIn';
import { createHash } from 'node:crypto';

/**
 * A 易支付 gateway (the V1 API its forks share): `submit.php` takes the signed form, `api.php?act=order`
 * and `act=refund` answer `{code: 1, …}`, notices come as a GET with an MD5 sign.
 */
/** 易支付's sign, written from its documentation (not the product's): md5 of the sorted non-empty params but sign/sign_type, then the key. */
function signOf(params: Record<string, string>, key: string): string {
  const content = Object.entries(params)
    .filter(([k, v]) => k !== 'sign' && k !== 'sign_type' && v !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  return createHash('md5').update(`${content}${key}`).digest('hex');
}

export class EpayStandIn extends ProviderStandIn {
  readonly method = 'epay' as const;
  readonly refusedStatus = 400;
  readonly pid = '1001';
  readonly key = randomId('', 16);

  env(): Record<string, string> {
    return { EPAY_URL: this.url, EPAY_PID: this.pid, EPAY_KEY: this.key };
  }

  secrets(): string[] {
    return [this.key];
  }

  protected newPaymentId(): string {
    return `2026${randomId('', 8)}`;
  }

  protected route(req: Recorded): Reply {
    const act = req.query.get('act');
    if (req.path !== '/api.php') return { status: 404, body: { code: -1, msg: 'no such route' } };
    const form = req.method === 'POST' ? Object.fromEntries(new URLSearchParams(req.raw)) : Object.fromEntries(req.query);
    if (form.pid !== this.pid || form.key !== this.key) return { status: 200, body: { code: -1, msg: 'KEY校验失败' } };
    if (act === 'order') {
      const orderId = String(form.out_trade_no);
      this.lookups.push(orderId);
      const trade = this.trades.get(orderId);
      if (!trade) return { status: 200, body: { code: -1, msg: '订单编号不存在' } };
      const status = trade.refunded ? 2 : trade.paid ? 1 : 0;
      return { status: 200, body: { code: 1, msg: '查询订单号成功！', trade_no: trade.paymentId, out_trade_no: orderId, type: 'alipay', pid: this.pid, money: toMajorUnits(trade.amount), status, ...(trade.paidAt ? { endtime: beijingTime(trade.paidAt, ' ') } : {}) } };
    }
    if (act === 'refund' && req.method === 'POST') {
      const trade = [...this.trades.values()].find((t) => t.paymentId === form.trade_no);
      if (trade?.refunded) return { status: 200, body: { code: -1, msg: '该订单已退款' } };
      const call = this.refundCall(form.trade_no, trade?.orderId ?? '', form.trade_no, fromMajorUnits(form.money, 'CNY')?.amount ?? -1);
      if (call.answer === 'failed') return { status: 502, body: { code: -1, msg: 'Bad Gateway' } };
      if (call.answer === 'refused') return { status: 403, body: { code: -1, msg: '商户余额不足' } };
      return { status: 200, body: { code: 1, msg: '退款成功' } };
    }
    return { status: 200, body: { code: -1, msg: 'act not supported' } };
  }

  paidNotice(orderId: string, options: NoticeOptions, amount: Money): SignedNotice {
    const trade = this.trade(orderId, amount);
    trade.paid = true;
    const params: Record<string, string> = {
      pid: options.otherMerchant ? '2002' : this.pid,
      trade_no: trade.paymentId,
      out_trade_no: orderId,
      type: 'alipay',
      name: '1 × card',
      money: toMajorUnits({ amount: options.amount ?? trade.amount.amount, currency: 'CNY' }),
      trade_status: 'TRADE_SUCCESS',
    };
    params.sign = options.forged ? createHash('md5').update('forged').digest('hex') : signOf(params, this.key);
    params.sign_type = 'MD5';
    return { path: `/v1/payments/epay/notify?${new URLSearchParams(params)}`, method: 'GET', body: '', headers: {} };
  }

  tamper(notice: SignedNotice): SignedNotice {
    const url = new URL(notice.path, 'http://x');
    url.searchParams.set('money', '0.01');
    return { ...notice, path: `${url.pathname}?${url.searchParams}` };
  }

  acknowledged(answer: Answer): boolean {
    return answer.status === 200 && answer.body === 'success';
  }

  checkoutFits(checkout: Record<string, string>, order: { orderId: string; amount: Money }): void {
    const url = new URL(checkout.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${this.url}/submit.php`);
    const params = Object.fromEntries(url.searchParams);
    expect(params).toMatchObject({ pid: this.pid, out_trade_no: order.orderId, money: toMajorUnits(order.amount), sign_type: 'MD5' });
    expect(params.notify_url).toMatch(/\/v1\/payments\/epay\/notify$/);
    expect(params.sign).toBe(signOf(params, this.key));
    this.trade(order.orderId, order.amount);
  }
}
