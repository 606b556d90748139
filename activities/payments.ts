import { ApplicationFailure } from '@temporalio/common';
import type { DisputeFacts, DisputeNotice } from '../domain/dispute';
import { alreadyPosted, type ProviderReply } from '../domain/providerReply';
import type { Checkout, PaymentMethod } from '../domain/payment';
import { openCheckout, providerRefOf, type CheckoutFor } from '../payments/checkouts';
import { RecentSettings } from '../db/merchantSettings';
import { DEFAULT_MERCHANT } from '../domain/merchant';
import { MerchantRails } from '../payments/merchantRails';
import { providerRail, railOf, RailOffError, type FoundPayment, type Rails, type RailRefund } from '../payments/rails';
import type { ActivityDeps } from './deps';
import { attempt, heartbeat } from './http';

export type { FoundPayment };

/** One reply to a provider's complaint; its activity id names it (domain/providerReply.ts: replyId). */
export interface ProviderComplaintReply {
  /** The provider's complaint id (WeChat Pay's complaint_id). */
  complaintId: string;
  reply: ProviderReply;
  /** Replies like this one the complaint posted before (see alreadyPosted). */
  earlier: number;
  /** Our order the complaint is on: the reply goes out through its merchant's account (absent = the first shop's). */
  orderId?: string;
}

export interface RefundOrder extends RailRefund {
  /** The rail that carried the payment; absent = generic (orders older than rails). */
  method?: PaymentMethod;
}

/**
 * The payment rails as activities. Each names the rail (the order's, or the one a payment came
 * by); one refund id pays out once however often it is retried, at every provider. Each goes out
 * through the account of the order's own merchant (payments/merchantRails.ts), found from the order.
 */
export function paymentActivities({ store, vault, config }: ActivityDeps) {
  const merchantRails = new MerchantRails(config, store, new RecentSettings(store, vault));
  return {
    async refundPayment(refund: RefundOrder): Promise<{ refundId: string; refundedAt: string }> {
      const { method, ...order } = refund;
      const rails = await merchantRails.ofOrder(order.orderId);
      await beating(() => rail(rails, method).refund(order));
      return { refundId: refund.refundId, refundedAt: new Date().toISOString() };
    },

    /** Reconciliation: ask the order's rail what it knows of the order's payments before giving up on it. */
    async findProviderPayments({ orderId, method }: { orderId: string; method?: PaymentMethod }): Promise<FoundPayment[]> {
      const providerRef = method && method !== 'generic' ? await providerRefOf(store, orderId) : undefined;
      const rails = await merchantRails.ofOrder(orderId);
      return beating(() => rail(rails, method).findPayments({ orderId, ...(providerRef ? { providerRef } : {}) }));
    },

    /** A cancelled order's provider order closed, so it cannot be paid late. */
    async closeProviderOrder({ orderId, method }: { orderId: string; method: PaymentMethod }): Promise<boolean> {
      const providerRef = await providerRefOf(store, orderId);
      const rails = await merchantRails.ofOrder(orderId);
      return beating(() => rail(rails, method).close({ orderId, ...(providerRef ? { providerRef } : {}) }));
    },

    /** What the provider says of a dispute now: its order, reason, status and outcome. */
    async readProviderDispute(notice: DisputeNotice): Promise<DisputeFacts> {
      const method = notice.source === 'stripe_dispute' ? 'stripe' : 'wechatpay';
      // Read with the account of the merchant whose address the notice came to.
      const merchantId = notice.merchantId ?? DEFAULT_MERCHANT;
      const read = providerRail(await merchantRails.of(merchantId), method)?.readDispute;
      if (!read) throw ApplicationFailure.retryable(`the ${method} rail is not configured for merchant ${merchantId}`, 'RailOff');
      return beating(() => read(notice));
    },

    /**
     * An agent's reply to a WeChat Pay complaint sent back to it, and its completion when the
     * complaint is resolved: for complaints of release v0.2.0, which retry it until WeChat Pay takes
     * it, so a refusal stays retryable here as it was (a non-retryable failure would break their loop).
     */
    async answerProviderComplaint({ complaintId, text, complete }: { complaintId: string; text?: string; complete?: boolean }): Promise<void> {
      const wechat = wechatRail(await merchantRails.of(DEFAULT_MERCHANT));
      await beating(async () => {
        try {
          if (text) await wechat.answerComplaint(complaintId, text);
          if (complete) await wechat.completeComplaint(complaintId);
        } catch (err) {
          if (err instanceof ApplicationFailure && err.nonRetryable) throw ApplicationFailure.retryable(err.message, err.type);
          throw err;
        }
      });
    },

    /**
     * One reply to a WeChat Pay complaint (words, or the completion), posted at most once. WeChat
     * Pay's `…/response` takes no request id, so an attempt after the first, which follows one whose
     * POST may have landed without its answer reaching us, first reads the complaint's negotiation
     * history and posts only when the reply is not there (domain/providerReply.ts: alreadyPosted).
     * `earlier` is how many replies like this one the complaint posted before. A refusal fails with
     * ProviderReplyRefused, not retried.
     */
    async replyToProviderComplaint({ complaintId, reply, earlier, orderId }: ProviderComplaintReply): Promise<{ posted: 'now' | 'before' }> {
      const wechat = wechatRail(await (orderId ? merchantRails.ofOrder(orderId) : merchantRails.of(DEFAULT_MERCHANT)));
      return beating(async () => {
        if (attempt() > 1 && alreadyPosted(await wechat.complaintHistory(complaintId), reply, earlier)) return { posted: 'before' as const };
        if ('complete' in reply) await wechat.completeComplaint(complaintId);
        else await wechat.answerComplaint(complaintId, reply.text);
        return { posted: 'now' as const };
      });
    },

    /** The checkout the buyer pays with, made once; retried while the provider cannot be reached. */
    async openCheckout(order: CheckoutFor): Promise<Checkout> {
      const rails = await merchantRails.ofOrder(order.orderId);
      return (await beating(() => openCheckout(store, rails, order))).checkout;
    },
  };
}

function wechatRail(rails: Rails) {
  if (!rails.wechatpay) throw ApplicationFailure.retryable('the wechatpay rail is not configured for this merchant', 'RailOff');
  return rails.wechatpay;
}

/** The order's rail among its merchant's; one it does not have is a configuration fault, retried until it is set. */
function rail(rails: Rails, method: PaymentMethod | undefined) {
  try {
    return railOf(rails, method);
  } catch (err) {
    if (err instanceof RailOffError) throw ApplicationFailure.retryable(err.message, 'RailOff');
    throw err;
  }
}

/**
 * While a provider call waits, heartbeat. No proxy of these activities sets a heartbeat timeout
 * (workflows/activities.ts says why), so a worker that dies mid-call is noticed only at the
 * attempt's startToCloseTimeout; the beats show ops a live attempt (the pending activity's last
 * heartbeat in `describe`) and would carry a heartbeat timeout if one were set again.
 */
async function beating<T>(work: () => Promise<T>): Promise<T> {
  const beat = setInterval(heartbeat, 1_000);
  try {
    return await work();
  } finally {
    clearInterval(beat);
  }
}
