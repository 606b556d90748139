import { projectNewer } from '../db/projection';
import { orderEntry } from '../db/report/entries';
import { recordEntry } from '../db/report/ledger';
import type { OrderViewDoc } from '../db/schemas';
import { isDuplicateKeyError } from '../db/store';
import type { OrderView, TimelineEntry } from '../domain/order';
import type { ActivityDeps } from './deps';

export function readModelActivities({ store }: ActivityDeps) {
  /** Who the order list shows the order to, and its email hash: from order_access, which the API wrote at intake. */
  async function listedBy(orderId: string): Promise<Pick<OrderViewDoc, 'storefront' | 'emailHash'>> {
    const access = await store.orderAccess.findById(orderId, { storefront: 1, emailHash: 1 }).lean();
    return access ? { storefront: access.storefront, ...(access.emailHash ? { emailHash: access.emailHash } : {}) } : {};
  }

  return {
    /** Project the order's view for lists and closed orders, and what the complaint ranking counts of it. */
    async projectOrder({ seq, view, statusSince }: { seq: number; view: OrderView; statusSince: string }): Promise<void> {
      const fields: Omit<OrderViewDoc, '_id'> = {
        seq,
        sku: view.sku,
        status: view.status,
        statusSince: new Date(statusSince),
        createdAt: new Date(view.createdAt),
        paidAt: view.paidAt ? new Date(view.paidAt) : undefined,
        deliveredAt: view.deliveredAt ? new Date(view.deliveredAt) : undefined,
        refundedAt: view.refund?.refundedAt ? new Date(view.refund.refundedAt) : undefined,
        paymentId: view.paymentId,
        needsAttention: view.attention?.reason ?? null,
        ...(await listedBy(view.orderId)),
        view,
      };
      await projectNewer(store.orderViews, { _id: view.orderId, ...fields });
      await recordEntry(store, orderEntry({ _id: view.orderId, ...fields }));
    },

    /** Add a line to a closed order's timeline, once per noteId. */
    async noteClosedOrder({ noteId, orderId, entry }: { noteId: string; orderId: string; entry: TimelineEntry }): Promise<void> {
      try {
        await store.orderNotes.create({ _id: noteId, orderId, ...entry, at: new Date(entry.at) });
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
    },

    /** Which payment an order was paid with, from its read model (the order may be long closed). */
    async paymentOfOrder({ orderId }: { orderId: string }): Promise<{ known: boolean; paymentId: string | null }> {
      const row = await store.orderViews.findById(orderId).lean();
      return { known: row !== null, paymentId: row?.paymentId ?? null };
    },
  };
}
