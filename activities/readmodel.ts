import { isDuplicateKeyError } from '../db/store';
import type { OrderView } from '../domain/order';
import type { ActivityDeps } from './deps';

export function readModelActivities({ store }: ActivityDeps) {
  return {
    /**
     * Project the order's view for lists, reports and closed orders. `seq` only grows, so a
     * retried older projection never overwrites a newer one.
     */
    async projectOrder({ seq, view, statusSince }: { seq: number; view: OrderView; statusSince: string }): Promise<void> {
      const fields = {
        seq,
        sku: view.sku,
        status: view.status,
        statusSince: new Date(statusSince),
        createdAt: new Date(view.createdAt),
        paidAt: view.paidAt ? new Date(view.paidAt) : undefined,
        deliveredAt: view.deliveredAt ? new Date(view.deliveredAt) : undefined,
        refundedAt: view.refund?.refundedAt ? new Date(view.refund.refundedAt) : undefined,
        paymentId: view.paymentId,
        view,
      };
      const current = await store.orderViews.findById(view.orderId).lean();
      if (current && current.seq >= seq) return;
      if (!current) {
        try {
          await store.orderViews.create({ _id: view.orderId, ...fields });
          return;
        } catch (err) {
          if (!isDuplicateKeyError(err)) throw err;
        }
      }
      // One workflow writes each order's view, one activity at a time, so this update has no rival.
      await store.orderViews.updateOne({ _id: view.orderId, seq: { $lt: seq } }, { $set: fields });
    },

    /** Which payment an order was paid with, from its read model (the order may be long closed). */
    async paymentOfOrder({ orderId }: { orderId: string }): Promise<{ known: boolean; paymentId: string | null }> {
      const row = await store.orderViews.findById(orderId).lean();
      return { known: row !== null, paymentId: row?.paymentId ?? null };
    },
  };
}
