import { ApplicationFailure } from '@temporalio/common';
import type { DisputeFacts, DisputeNotice } from '../domain/dispute';
import type { Checkout, PaymentMethod } from '../domain/payment';
import { openCheckout, providerRefOf, type CheckoutFor } from '../payments/checkouts';
import { createRails, providerRail, railOf, RailOffError, type FoundPayment, type RailRefund } from '../payments/rails';
import type { ActivityDeps } from './deps';
import { heartbeat } from './http';

export type { FoundPayment };

export interface RefundOrder extends RailRefund {
  /** The rail that carried the payment; absent = generic (orders older than rails). */
  method?: PaymentMethod;
}

/**
 * The payment rails as activities. Each names the rail (the order's, or the one a payment came
 * by); one refund id pays out once however often it is retried, at every provider.
 */
export function paymentActivities({ store, config }: ActivityDeps) {
  const rails = createRails(config, store);
  return {
    async refundPayment(refund: RefundOrder): Promise<{ refundId: string; refundedAt: string }> {
      const { method, ...order } = refund;
      await beating(() => rail(method).refund(order));
      return { refundId: refund.refundId, refundedAt: new Date().toISOString() };
    },

    /** Reconciliation: ask the order's rail what it knows of the order's payments before giving up on it. */
    async findProviderPayments({ orderId, method }: { orderId: string; method?: PaymentMethod }): Promise<FoundPayment[]> {
      const providerRef = method && method !== 'generic' ? await providerRefOf(store, orderId) : undefined;
      return beating(() => rail(method).findPayments({ orderId, ...(providerRef ? { providerRef } : {}) }));
    },

    /** A cancelled order's provider order closed, so it cannot be paid late. */
    async closeProviderOrder({ orderId, method }: { orderId: string; method: PaymentMethod }): Promise<boolean> {
      const providerRef = await providerRefOf(store, orderId);
      return beating(() => rail(method).close({ orderId, ...(providerRef ? { providerRef } : {}) }));
    },

    /** What the provider says of a dispute now: its order, reason, status and outcome. */
    async readProviderDispute(notice: DisputeNotice): Promise<DisputeFacts> {
      const method = notice.source === 'stripe_dispute' ? 'stripe' : 'wechatpay';
      const read = providerRail(rails, method)?.readDispute;
      if (!read) throw ApplicationFailure.retryable(`the ${method} rail is not configured on this process`, 'RailOff');
      return beating(() => read(notice));
    },

    /** An agent's reply to a WeChat Pay complaint sent back to it, and its completion when the complaint is resolved. */
    async answerProviderComplaint({ complaintId, text, complete }: { complaintId: string; text?: string; complete?: boolean }): Promise<void> {
      const wechat = rails.wechatpay;
      if (!wechat) throw ApplicationFailure.retryable('the wechatpay rail is not configured on this process', 'RailOff');
      await beating(async () => {
        if (text) await wechat.answerComplaint(complaintId, text);
        if (complete) await wechat.completeComplaint(complaintId);
      });
    },

    /** The checkout the buyer pays with, made once; retried while the provider cannot be reached. */
    async openCheckout(order: CheckoutFor): Promise<Checkout> {
      return (await beating(() => openCheckout(store, rails, order))).checkout;
    },
  };

  function rail(method: PaymentMethod | undefined) {
    try {
      return railOf(rails, method);
    } catch (err) {
      if (err instanceof RailOffError) throw ApplicationFailure.retryable(err.message, 'RailOff');
      throw err;
    }
  }
}

/**
 * While a provider call waits, heartbeat: a worker that dies mid-call is noticed in seconds and
 * the call retried elsewhere, not at the activity's full timeout.
 */
async function beating<T>(work: () => Promise<T>): Promise<T> {
  const beat = setInterval(heartbeat, 1_000);
  try {
    return await work();
  } finally {
    clearInterval(beat);
  }
}
