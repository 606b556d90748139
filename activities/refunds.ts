import type { RefundKind } from '../db/schemas';
import type { ActivityDeps } from './deps';
import { merchantField, OrderMerchants } from '../db/merchants';

export interface RefundAttention {
  refundId: string;
  kind: RefundKind;
  orderId: string;
  paymentId: string;
  reason: string;
  since: string;
}

/** What ops see of refunds the provider refused: one row per refund while it waits on a person. */
export function refundActivities({ store }: ActivityDeps) {
  const merchants = new OrderMerchants(store);
  return {
    /** The provider refused the refund for good: listed until it goes through (a retry writes the same row). */
    async refundNeedsAttention({ refundId, since, ...row }: RefundAttention): Promise<void> {
      // Listed to the order's merchant; a payment of no order we know is the platform's first shop's.
      const merchant = merchantField(await merchants.of(row.orderId));
      await store.refundAttention.updateOne({ _id: refundId }, { $setOnInsert: { ...row, ...merchant, since: new Date(since) } }, { upsert: true });
    },

    /** The refund went through: nobody needs to look at it any more. */
    async refundWentThrough({ refundId }: { refundId: string }): Promise<void> {
      await store.refundAttention.deleteOne({ _id: refundId });
    },
  };
}
