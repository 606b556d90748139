import type { Config } from '../../config';
import { isDuplicateKeyError, type Store } from '../../db/store';
import { jsonOf, placeOf, request } from './http';
import { isRefusal } from '../../activities/http';
import { providerPaidAt } from './clock';
import { providerFailed, providerRefused, type FoundPayment, type PaymentRail } from './rail';

/**
 * Our own signed JSON notice (POST /v1/payments/notify). Refunds and lookups go to the provider
 * adapter: `sandbox` keeps the provider's ledger in our database; `http` calls the provider.
 * There is nothing to show the buyer: the shop's own payment page takes the money.
 */
export function genericRail(config: Config, store: Store): PaymentRail {
  const timeout = config.outboundHttpTimeoutMs;
  const provider = config.paymentProvider;
  const base = provider.kind === 'http' ? provider.url.replace(/\/$/, '') : '';
  return {
    method: 'generic',

    async checkout() {
      return { checkout: null };
    },

    async close() {
      return false; // the shop's own payment page holds no order of ours to close
    },

    async refund({ refundId, orderId, paymentId, amount, reason }) {
      if (provider.kind === 'http') {
        const url = `${base}/refunds`;
        const answer = await request('POST', url, timeout, {
          headers: { 'content-type': 'application/json', 'Idempotency-Key': refundId },
          body: JSON.stringify({ refundId, orderId, paymentId, amount }),
        });
        const said = `refund ${refundId} at ${placeOf(url)} answered ${answer.status}`;
        if (isRefusal(answer.status)) throw providerRefused(said);
        if (answer.status < 200 || answer.status > 299) throw providerFailed('ProviderRefundFailed', said);
        return;
      }
      try {
        await store.refunds.create({ _id: refundId, orderId, paymentId, amount, reason, refundedAt: new Date() });
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
    },

    /**
     * The sandbox "provider" is our own record of every signed notice, which also catches a notice
     * we stored but never managed to signal.
     */
    async findPayments({ orderId }) {
      if (provider.kind === 'http') {
        const url = `${base}/payments?orderId=${encodeURIComponent(orderId)}`;
        const answer = await request('GET', url, timeout);
        if (answer.status < 200 || answer.status > 299) throw providerFailed('ProviderLookupFailed', `payment lookup at ${placeOf(url)} answered ${answer.status}`);
        const payments = jsonOf(answer.text)?.payments;
        if (!Array.isArray(payments)) throw providerFailed('ProviderLookupFailed', `payment lookup at ${placeOf(url)} gave no payments list`);
        return payments.filter(isFoundPayment).map(({ paymentId, status, amount, paidAt }) => {
          const at = providerPaidAt(paidAt);
          return { paymentId, status, amount, ...(at ? { paidAt: at } : {}) };
        });
      }
      const events = await store.paymentEvents.find({ orderId }).sort({ receivedAt: 1 }).lean();
      return events.map((e) => ({ paymentId: e.paymentId, status: e.status, amount: { amount: e.amount.amount, currency: e.amount.currency }, paidAt: e.receivedAt.toISOString() }));
    },
  };
}

function isFoundPayment(p: unknown): p is FoundPayment {
  const x = p as FoundPayment;
  return (
    typeof x === 'object' && x !== null && typeof x.paymentId === 'string' &&
    (x.status === 'succeeded' || x.status === 'failed') &&
    typeof x.amount?.amount === 'number' && typeof x.amount?.currency === 'string'
  );
}
