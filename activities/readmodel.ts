import { Context } from '@temporalio/activity';
import { orderViewRow, projectNewer } from '../db/projection';
import { figuresChange, orderEntry } from '../db/report/entries';
import { recordEntry } from '../db/report/ledger';
import { addOrderNote } from '../db/orderNotes';
import type { OrderViewDoc } from '../db/schemas';
import { isDuplicateKeyError } from '../db/store';
import { listingOf, type OrderListing, type OrderStatus, type OrderView, type TimelineEntry } from '../domain/order';
import type { ActivityDeps } from './deps';
import type { Notification } from '../domain/notification';
import { notificationActivities } from './notifications';

/** The metric's name and buckets (seconds), shared with the worker's telemetry setup. */
export const DELIVERY_LATENCY_METRIC = 'kamiflow_payment_to_delivery_seconds';
export const DELIVERY_LATENCY_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800];

/** Payment notice taken → keys delivered, in the worker's metrics (exported with the SDK's). */
function observeDelivery(seconds: number): void {
  Context.current()
    .metricMeter.createHistogram(DELIVERY_LATENCY_METRIC, 'float', 's', 'Seconds from the payment notice to the keys delivered')
    .record(Math.max(0, seconds));
}

/** One step of an order: its view at `seq`, and the events it raised since the last step. */
export interface OrderStep {
  seq: number;
  view: OrderView;
  statusSince: string;
  events: Notification[];
  /** Who lists the order (orders carry it since it was added; older ones are looked up). */
  listing?: OrderListing;
  /**
   * The status the order's previous step wrote, when the workflow says (orders since it does):
   * the ranking's ledger gets an entry only when what it counts of the order changes.
   */
  previousStatus?: OrderStatus | null;
  /** Keys this step hands the buyer (orders since checked keys come in one step): marked delivered first. */
  deliver?: string[];
}


export function readModelActivities(deps: ActivityDeps) {
  const { store } = deps;
  const notifications = notificationActivities(deps);
  /** Who the order list shows the order to, and its email hash: from order_access, which the API wrote at intake. */
  async function listedBy(orderId: string): Promise<Pick<OrderViewDoc, 'storefront' | 'emailHash'>> {
    const access = await store.orderAccess.findById(orderId, { storefront: 1, emailHash: 1 }).lean();
    return access ? listingOf(access) : {};
  }

  /**
   * Project the order's view for lists and closed orders, and what the complaint ranking counts of it.
   * With `step` (the short path) nothing is read first: who lists the order comes with it, and whether
   * this step delivered it is told by its events.
   */
  async function projectOrder({ seq, view, statusSince }: { seq: number; view: OrderView; statusSince: string }, step?: Pick<OrderStep, 'events' | 'listing' | 'previousStatus'>): Promise<void> {
    const { _id, ...fields } = orderViewRow(seq, view, statusSince, step?.listing ?? (await listedBy(view.orderId)));
    // Timing the delivery once: the step that raised order.delivered, or (older orders) the first
    // DELIVERED projection, known by reading what stood before.
    const before = !step && view.status === 'DELIVERED' ? await store.orderViews.findById(view.orderId, { status: 1 }).lean() : null;
    const delivers = step ? step.events.some((e) => e.type === 'order.delivered') : view.status === 'DELIVERED' && before?.status !== 'DELIVERED';
    const stands = await projectNewer(store.orderViews, { _id: view.orderId, ...fields });
    if (delivers && stands.seq === seq && view.paidAt && view.deliveredAt) {
      observeDelivery((Date.parse(view.deliveredAt) - Date.parse(view.paidAt)) / 1000);
    }
    if (step?.previousStatus === undefined || figuresChange(step.previousStatus ?? undefined, view.status)) {
      await recordEntry(store, orderEntry({ _id: view.orderId, ...fields }));
    }
  }

  return {
    projectOrder,

    /**
     * A step of an order in one activity: its read-model row (unless a newer step's stands) and the
     * outbox entries of the events it raised, written side by side. Says whether a webhook should carry them.
     */
    async recordOrderStep({ seq, view, statusSince, ...step }: OrderStep): Promise<{ webhook: boolean }> {
      const [, kept] = await Promise.all([projectOrder({ seq, view, statusSince }, step), notifications.recordNotifications(step.events)]);
      return kept;
    },

    /** Add a line to a closed order's timeline, once per noteId. */
    async noteClosedOrder({ noteId, orderId, entry }: { noteId: string; orderId: string; entry: TimelineEntry }): Promise<void> {
      await addOrderNote(store, noteId, orderId, entry);
    },

    /**
     * The facts a provider's dispute needs of its order, from the read model (the order's workflow
     * may be long closed): its product, its keys (ids only) and the complaint open on it, if any.
     */
    async disputedOrder({ orderId }: { orderId: string }): Promise<{ known: boolean; sku: string; keyIds: string[]; openComplaintId: string | null; merchantId?: string }> {
      const row = await store.orderViews.findById(orderId).lean();
      if (!row) return { known: false, sku: '', keyIds: [], openComplaintId: null };
      const open = await store.complaintViews.find({ orderId, status: { $ne: 'CLOSED' } }).select({ _id: 1, createdAt: 1 }).sort({ createdAt: -1 }).limit(1).lean();
      return { known: true, sku: row.sku, keyIds: (row.view?.keys ?? []).map((k) => k.keyId), openComplaintId: open[0]?._id ?? null, ...(row.merchantId ? { merchantId: row.merchantId } : {}) };
    },

    /** Which payment an order was paid with, from its read model (the order may be long closed). */
    async paymentOfOrder({ orderId }: { orderId: string }): Promise<{ known: boolean; paymentId: string | null }> {
      const row = await store.orderViews.findById(orderId).lean();
      return { known: row !== null, paymentId: row?.paymentId ?? null };
    },
  };
}
