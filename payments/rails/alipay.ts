import type { AlipaySdk, AlipaySdkCommonResult } from 'alipay-sdk';
import type { Config } from '../../config';
import type { RailsConfig } from '../../config/rails';
import { fromMajorUnits, toMajorUnits } from '../../domain/money';
import { beijingTime, providerPaidAt } from './clock';
import { providerFailed, providerRefused, type NoticeOutcome, type ProviderRail } from './rail';

type AlipaySettings = NonNullable<RailsConfig['alipay']>;

const PAID = new Set(['TRADE_SUCCESS', 'TRADE_FINISHED']);

/**
 * Alipay through its own SDK: the page-pay URL is signed locally (no call at checkout); refunds and
 * queries are signed with our app key and their answers verified with Alipay's public key; notices
 * are form posts signed RSA2 over the sorted parameters.
 */
export function alipayRail(settings: AlipaySettings, config: Config, notifyUrl = `${config.rails.publicBaseUrl}/v1/payments/alipay/notify`): ProviderRail {
  const sdk = new (loadAlipaySdk())({
    appId: settings.appId,
    privateKey: settings.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    keyType: 'PKCS8',
    alipayPublicKey: settings.publicKey.export({ type: 'spki', format: 'pem' }) as string,
    gateway: settings.gateway,
    signType: 'RSA2',
    camelcase: false,
    timeout: config.outboundHttpTimeoutMs,
  });

  /** An OpenAPI call whose answer is verified; a transport, HTTP or signature failure is retried. */
  async function call(method: string, bizContent: Record<string, string>, failure: Parameters<typeof providerFailed>[0]): Promise<AlipaySdkCommonResult> {
    try {
      return await sdk.exec(method, { bizContent }, { validateSign: true });
    } catch (err) {
      // The SDK's message can quote the answer; say only what failed.
      throw providerFailed(failure, `${method} failed: ${(err as Error).name}${(err as { code?: string }).code ? ` ${(err as { code?: string }).code}` : ''}`);
    }
  }

  return {
    method: 'alipay',
    currencies: ['CNY'],

    async checkout(order) {
      const url = sdk.pageExec('alipay.trade.page.pay', 'GET', {
        bizContent: {
          out_trade_no: order.orderId,
          total_amount: toMajorUnits(order.amount),
          subject: order.subject,
          product_code: 'FAST_INSTANT_TRADE_PAY',
          time_expire: beijingTime(order.dueAt, ' '),
        },
        notifyUrl,
      });
      return { checkout: { url } };
    },

    async refund({ refundId, orderId, paymentId, amount, reason }) {
      const answer = await call(
        'alipay.trade.refund',
        { out_trade_no: orderId, trade_no: paymentId, refund_amount: toMajorUnits(amount), out_request_no: refundId, refund_reason: reason.slice(0, 200) },
        'ProviderRefundFailed',
      );
      if (answer.code !== '10000') {
        const said = `alipay.trade.refund ${refundId} answered ${answer.code} ${answer.sub_code ?? ''}`.trim();
        if (refusedForGood(answer)) throw providerRefused(said);
        throw providerFailed('ProviderRefundFailed', said);
      }
      // Accepted is not moved: money moved only with fund_change=Y, else it is confirmed by query
      // (a repeated request answers N for a refund that already moved).
      if (answer.fund_change === 'Y') return;
      const query = await call('alipay.trade.fastpay.refund.query', { out_trade_no: orderId, out_request_no: refundId }, 'ProviderRefundFailed');
      if (query.code === '10000' && query.refund_status === 'REFUND_SUCCESS') return;
      throw providerFailed('ProviderRefundFailed', `alipay refund ${refundId} not settled yet (${query.code} ${query.refund_status ?? query.sub_code ?? ''})`.trim());
    },

    async close({ orderId }) {
      const answer = await call('alipay.trade.close', { out_trade_no: orderId }, 'ProviderCloseFailed');
      // ACQ.TRADE_NOT_EXIST: the buyer never opened the page; ACQ.TRADE_STATUS_ERROR: paid or closed already.
      if (answer.code === '10000' || answer.code === '40004') return true;
      throw providerFailed('ProviderCloseFailed', `alipay.trade.close answered ${answer.code} ${answer.sub_code ?? ''}`.trim());
    },

    async findPayments({ orderId }) {
      const answer = await call('alipay.trade.query', { out_trade_no: orderId }, 'ProviderLookupFailed');
      if (answer.code === '40004' && answer.sub_code === 'ACQ.TRADE_NOT_EXIST') return [];
      if (answer.code !== '10000') throw providerFailed('ProviderLookupFailed', `alipay.trade.query answered ${answer.code} ${answer.sub_code ?? ''}`.trim());
      if (!PAID.has(answer.trade_status)) return [];
      const amount = fromMajorUnits(String(answer.total_amount), 'CNY');
      if (!amount || typeof answer.trade_no !== 'string') throw providerFailed('ProviderLookupFailed', 'alipay.trade.query answered a trade without trade_no or total_amount');
      const paidAt = providerPaidAt(answer.send_pay_date);
      return [{ paymentId: answer.trade_no, status: 'succeeded', amount, ...(paidAt ? { paidAt } : {}) }];
    },

    verifyNotice({ raw }) {
      const params = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
      // Verified over the values exactly as they came (decoded once from the form, never again).
      if (!params.sign || !sdk.checkNotifySignV2(params)) return { kind: 'refused', why: 'the sign does not verify with ALIPAY_PUBLIC_KEY' };
      if (params.app_id !== settings.appId) return { kind: 'refused', why: `app_id ${params.app_id} is not this shop's` };
      if (!PAID.has(params.trade_status)) return { kind: 'ignored', why: `trade_status ${params.trade_status}` };
      // A partial refund sends another TRADE_SUCCESS carrying the refund's fields: not a payment.
      if (params.refund_fee || params.gmt_refund || params.out_biz_no) return { kind: 'ignored', why: 'a refund notice' };
      const amount = fromMajorUnits(params.total_amount ?? '', 'CNY');
      if (!params.out_trade_no || !params.trade_no || !amount) return { kind: 'refused', why: 'out_trade_no, trade_no or total_amount is missing or malformed' };
      return {
        kind: 'payment',
        notice: {
          // notify_id repeats across retries of one notice; trade_no + trade_status names the event.
          eventId: `alipay:${params.trade_no}:${params.trade_status}`,
          orderId: params.out_trade_no,
          paymentId: params.trade_no,
          status: 'succeeded',
          amount,
          method: 'alipay',
        },
      };
    },

    reply(outcome: NoticeOutcome) {
      // Alipay stops retrying only on a body of exactly "success".
      return outcome.kind === 'refused' ? { status: 400, text: 'fail' } : { status: 200, text: 'success' };
    },
  };
}

/**
 * Alipay answers every call 200 and says no in its codes: 40001/40002 (missing or invalid
 * parameters), 40004 (the business refused: a balance too low, a trade that does not exist...), 40006
 * and 20001 (no permission). Asking again changes none of them, except a 40004 that says its own
 * system erred (ACQ.SYSTEM_ERROR); 20000 (unavailable) is worth asking again too.
 */
function refusedForGood(answer: AlipaySdkCommonResult): boolean {
  return ['40001', '40002', '40004', '40006', '20001'].includes(answer.code) && answer.sub_code !== 'ACQ.SYSTEM_ERROR';
}

/**
 * Alipay's SDK, loaded when the rail is turned on rather than when this module is: with its HTTP
 * client it is ~8 MB of heap (and ~25 MB resident) that a process of a shop without Alipay would carry for nothing.
 */
function loadAlipaySdk(): typeof AlipaySdk {
  return (require('alipay-sdk') as typeof import('alipay-sdk')).AlipaySdk;
}
