import type { QueryFilter } from 'mongoose';
import type { OrderStatus, OrderView } from '../domain/order';
import { DEFAULT_MERCHANT } from '../domain/merchant';
import { inMerchant } from './merchants';
import type { OrderViewDoc } from './schemas';
import type { Store } from './store';

export interface OrderListFilter {
  /** The merchant whose orders are listed (`default` when not named). */
  merchantId?: string;
  orderId?: string;
  /** Only the orders this storefront created (a storefront's own list). */
  storefront?: string;
  status?: OrderStatus;
  sku?: string;
  /** The buyer's email hashes (under each key of the ring), never the email. */
  emailHashes?: string[];
  from?: Date;
  to?: Date;
  limit: number;
  after?: { at: Date; id: string };
}

export interface OrderSummary {
  orderId: string;
  sku: string;
  quantity: number;
  amount: OrderView['amount'];
  status: OrderStatus;
  createdAt: string;
  paidAt?: string;
  deliveredAt?: string;
  refund: null | { status: string; requestedAt: string };
  complaints: string[];
}

/**
 * A page of orders from the read model. Newest first; the refund queue (REFUND_REQUESTED) oldest
 * request first, as agents work it. Filters are equalities on indexed fields plus one time range,
 * so a store that scans ranges still reads a bounded set; the cursor is (time, id) of the last item.
 */
export async function orderListPage(store: Store, f: OrderListFilter): Promise<{ items: OrderSummary[]; next?: { at: Date; id: string } }> {
  const queue = f.status === 'REFUND_REQUESTED';
  const timeField = queue ? 'statusSince' : 'createdAt';
  const direction = queue ? 1 : -1;
  const query: QueryFilter<OrderViewDoc> = {
    ...inMerchant<OrderViewDoc>(f.merchantId ?? DEFAULT_MERCHANT),
    ...(f.orderId !== undefined ? { _id: f.orderId } : {}),
    ...(f.storefront !== undefined ? { storefront: f.storefront } : {}),
    ...(f.status ? { status: f.status } : {}),
    ...(f.sku ? { sku: f.sku } : {}),
    ...(f.emailHashes ? { emailHash: f.emailHashes.length === 1 ? f.emailHashes[0] : { $in: f.emailHashes } } : {}),
  };
  const and: QueryFilter<OrderViewDoc>[] = [];
  if (f.from || f.to) and.push({ createdAt: { ...(f.from ? { $gte: f.from } : {}), ...(f.to ? { $lt: f.to } : {}) } });
  if (f.after) {
    const beyond = direction === 1 ? '$gt' : '$lt';
    and.push({ $or: [{ [timeField]: { [beyond]: f.after.at } }, { [timeField]: f.after.at, _id: { [beyond]: f.after.id } }] });
  }
  if (and.length > 0) query.$and = and;
  const rows = await store.orderViews
    .find(query)
    .sort({ [timeField]: direction, _id: direction })
    .limit(f.limit + 1)
    .select({ view: 1, status: 1, createdAt: 1, statusSince: 1 })
    .lean();
  const page = rows.slice(0, f.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((row) => summaryOf(row.view, row.status)),
    ...(rows.length > f.limit && last ? { next: { at: queue ? last.statusSince : last.createdAt, id: last._id } } : {}),
  };
}

function summaryOf(view: OrderView, status: OrderStatus): OrderSummary {
  return {
    orderId: view.orderId,
    sku: view.sku,
    quantity: view.quantity,
    amount: view.amount,
    status,
    createdAt: view.createdAt,
    ...(view.paidAt ? { paidAt: view.paidAt } : {}),
    ...(view.deliveredAt ? { deliveredAt: view.deliveredAt } : {}),
    refund: view.refund ? { status: view.refund.status, requestedAt: view.refund.requestedAt } : null,
    complaints: view.complaints,
  };
}
