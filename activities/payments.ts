import { ApplicationFailure } from '@temporalio/activity';
import { isDuplicateKeyError } from '../db/store';
import type { Money } from '../domain/money';
import type { ActivityDeps } from './deps';
import { callJson, isSuccess, safeUrl } from './http';

export interface RefundOrder {
  refundId: string;
  orderId: string;
  paymentId: string;
  amount: Money;
  reason: string;
}

export interface FoundPayment {
  paymentId: string;
  status: 'succeeded' | 'failed';
  amount: Money;
}

/**
 * The payment provider adapter. `sandbox` keeps the provider's ledger in our database;
 * `http` calls the provider. Either way one refund id pays out once, however often it is retried.
 */
export function paymentActivities({ store, config }: ActivityDeps) {
  const timeout = config.outboundHttpTimeoutMs;
  return {
    async refundPayment(refund: RefundOrder): Promise<{ refundId: string; refundedAt: string }> {
      if (config.paymentProvider.kind === 'http') {
        const url = `${config.paymentProvider.url.replace(/\/$/, '')}/refunds`;
        const { refundId, orderId, paymentId, amount } = refund;
        const answer = await callJson('POST', url, timeout, { refundId, orderId, paymentId, amount }, { 'Idempotency-Key': refundId });
        if (!isSuccess(answer.status)) {
          throw ApplicationFailure.retryable(`refund ${refundId} at ${safeUrl(url)} answered ${answer.status}`, 'ProviderRefundFailed');
        }
        return { refundId, refundedAt: new Date().toISOString() };
      }
      try {
        const row = await store.refunds.create({ _id: refund.refundId, ...refund, refundedAt: new Date() });
        return { refundId: row._id, refundedAt: row.refundedAt.toISOString() };
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        const row = await store.refunds.findById(refund.refundId).lean();
        return { refundId: refund.refundId, refundedAt: (row?.refundedAt ?? new Date()).toISOString() };
      }
    },

    /**
     * Reconciliation: ask the provider what it knows of an order's payments before giving up on it.
     * The sandbox "provider" is our own record of every signed notice, which also catches a notice
     * we stored but never managed to signal.
     */
    async findProviderPayments({ orderId }: { orderId: string }): Promise<FoundPayment[]> {
      if (config.paymentProvider.kind === 'http') {
        const url = `${config.paymentProvider.url.replace(/\/$/, '')}/payments?orderId=${encodeURIComponent(orderId)}`;
        const answer = await callJson('GET', url, timeout);
        if (!isSuccess(answer.status)) {
          throw ApplicationFailure.retryable(`payment lookup at ${safeUrl(url)} answered ${answer.status}`, 'ProviderLookupFailed');
        }
        const payments = (answer.body as { payments?: unknown } | undefined)?.payments;
        if (!Array.isArray(payments)) {
          throw ApplicationFailure.retryable(`payment lookup at ${safeUrl(url)} gave no payments list`, 'ProviderLookupFailed');
        }
        return payments.filter(isFoundPayment);
      }
      const events = await store.paymentEvents.find({ orderId }).sort({ receivedAt: 1 }).lean();
      return events.map((e) => ({ paymentId: e.paymentId, status: e.status, amount: { amount: e.amount.amount, currency: e.amount.currency } }));
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
