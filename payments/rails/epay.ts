import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../config';
import type { RailsConfig } from '../../config/rails';
import { fromMajorUnits, toMajorUnits } from '../../domain/money';
import { providerPaidAt } from './clock';
import { jsonOf, request } from './http';
import { isRefusal } from '../../activities/http';
import { providerFailed, providerRefused, type NoticeOutcome, type ProviderRail } from './rail';

type EpaySettings = NonNullable<RailsConfig['epay']>;

/**
 * 易支付 (the V1 protocol its many gateways share): MD5-signed forms, no SDK. V1 has no refund id,
 * so before a refund is sent (again) the order is asked whether it is refunded already.
 */
export function epayRail(settings: EpaySettings, config: Config, notifyUrl = `${config.rails.publicBaseUrl}/v1/payments/epay/notify`): ProviderRail {
  const timeout = config.outboundHttpTimeoutMs;
  const api = `${settings.url}/api.php`;

  async function orderAtProvider(orderId: string, failure: 'ProviderRefundFailed' | 'ProviderLookupFailed') {
    const query = new URLSearchParams({ act: 'order', pid: settings.pid, key: settings.key, out_trade_no: orderId });
    const answer = await request('GET', `${api}?${query}`, timeout);
    const body = jsonOf(answer.text);
    if (answer.status !== 200 || body === undefined) throw providerFailed(failure, `epay act=order answered ${answer.status}`);
    return body as { code?: number | string; status?: number | string; trade_no?: string; money?: string; endtime?: string };
  }

  return {
    method: 'epay',
    currencies: ['CNY'],

    async checkout(order) {
      const params = { pid: settings.pid, out_trade_no: order.orderId, notify_url: notifyUrl, name: order.subject, money: toMajorUnits(order.amount) };
      const query = new URLSearchParams({ ...params, sign: signOf(params, settings.key), sign_type: 'MD5' });
      return { checkout: { url: `${settings.url}/submit.php?${query}` } };
    },

    async refund({ refundId, orderId, paymentId, amount }) {
      const known = await orderAtProvider(orderId, 'ProviderRefundFailed');
      if (Number(known.code) === 1 && Number(known.status) === 2) return; // refunded already (an earlier try got through)
      const form = new URLSearchParams({ pid: settings.pid, key: settings.key, trade_no: paymentId, money: toMajorUnits(amount) });
      const answer = await request('POST', `${api}?act=refund`, timeout, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
      const body = jsonOf(answer.text);
      if (answer.status === 200 && Number(body?.code) === 1) return;
      const said = `epay refund ${refundId} answered ${answer.status} code ${body?.code ?? 'none'}`;
      // V1 gateways answer most failures 200 with code -1, which may pass; a 4xx refuses the request itself.
      if (isRefusal(answer.status)) throw providerRefused(said);
      throw providerFailed('ProviderRefundFailed', said);
    },

    async close() {
      return false; // V1 has no close: the gateway's own expiry ends the order; a late payment is refunded
    },

    async findPayments({ orderId }) {
      const known = await orderAtProvider(orderId, 'ProviderLookupFailed');
      if (Number(known.code) !== 1 || Number(known.status) !== 1) return [];
      const amount = fromMajorUnits(String(known.money ?? ''), 'CNY');
      if (!amount || typeof known.trade_no !== 'string') throw providerFailed('ProviderLookupFailed', 'epay act=order answered a paid order without trade_no or money');
      // `endtime` is when the order was paid, on the gateway's (Beijing) clock.
      const paidAt = providerPaidAt(known.endtime);
      return [{ paymentId: known.trade_no, status: 'succeeded', amount, ...(paidAt ? { paidAt } : {}) }];
    },

    verifyNotice({ method, raw, query }): NoticeOutcome {
      const params = Object.fromEntries(method === 'GET' ? query : new URLSearchParams(raw.toString('utf8')));
      const expected = Buffer.from(signOf(params, settings.key));
      const given = Buffer.from(String(params.sign ?? '').toLowerCase());
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { kind: 'refused', why: 'the sign does not match' };
      if (params.pid !== settings.pid) return { kind: 'refused', why: `pid ${params.pid} is not this shop's` };
      if (params.trade_status !== 'TRADE_SUCCESS') return { kind: 'ignored', why: `trade_status ${params.trade_status}` };
      const amount = fromMajorUnits(params.money ?? '', 'CNY');
      if (!params.out_trade_no || !params.trade_no || !amount) return { kind: 'refused', why: 'out_trade_no, trade_no or money is missing or malformed' };
      return {
        kind: 'payment',
        notice: { eventId: `epay:${params.trade_no}`, orderId: params.out_trade_no, paymentId: params.trade_no, status: 'succeeded', amount, method: 'epay' },
      };
    },

    reply(outcome) {
      return outcome.kind === 'refused' ? { status: 400, text: 'fail' } : { status: 200, text: 'success' };
    },
  };
}

/** md5 of the non-empty params but sign and sign_type, sorted by name, `k=v&…`, then the key. */
export function signOf(params: Record<string, string>, key: string): string {
  const content = Object.keys(params)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && params[k] !== '' && params[k] !== undefined)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return createHash('md5').update(content + key, 'utf8').digest('hex');
}
