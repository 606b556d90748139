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
  const read = (q: QueryFilter<OrderViewDoc>, n: number) =>
    store.orderViews.find(q).sort({ [timeField]: direction, _id: direction }).limit(n).select({ view: 1, status: 1, createdAt: 1, statusSince: 1 }).lean();
  const wanted = f.limit + 1;
  // Unsorted, so a store that sorts in memory reads one row of the window, not all of them.
  const holdsOne = async (q: QueryFilter<OrderViewDoc>) => (await store.orderViews.exists(q)) !== null;
  // A window pays where an index holds the filter's equality and then the creation date ({createdAt},
  // {merchantId|status|storefront, createdAt}). A product has none: one would lead the embedded
  // store's planner to read a product's every order for those waiting for its stock.
  const walk = !queue && f.orderId === undefined && f.sku === undefined;
  const rows = walk ? await newestFirst(query, f, wanted, { read, holdsOne }) : await read(query, wanted);
  const page = rows.slice(0, f.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((row) => summaryOf(row.view, row.status)),
    ...(rows.length > f.limit && last ? { next: { at: queue ? last.statusSince : last.createdAt, id: last._id } } : {}),
  };
}

/** A look back reads an hour of orders at first, twice as long at each next look that found some. */
const FIRST_LOOK_MS = 3_600_000;
/**
 * Orders are stamped when the product creates them, and none predates 2001-09-09 (the first
 * 13-digit millisecond): the walk back stops there, so each of its looks is a window closed on both
 * sides. Nor is any stamped more than a few minutes ahead of this process's clock.
 */
const NO_ORDER_BEFORE = new Date(1e12);
const CLOCKS_APART_MS = 5 * 60_000;

interface Looks<Row> {
  /** Up to n orders of q, newest first. */
  read: (q: QueryFilter<OrderViewDoc>, n: number) => Promise<Row[]>;
  /** Whether q holds an order at all. */
  holdsOne: (q: QueryFilter<OrderViewDoc>) => Promise<boolean>;
}

/**
 * Newest first, by windows of creation time walking back from the newest an order can be, until the
 * page is full: a busy shop's first page comes from its last hour. A window that finds nothing is a
 * gap in the shop's sales, whose far side is found by asking only whether a window holds an order
 * (halving it), so where sales are steady the looks read about the orders the page needs, and never
 * the shop's whole history. MongoDB answers one sorted query from its indexes either way; the
 * embedded store answers a closed window of dates from the index but sorts in Go every row it
 * selects, where one query sorted every order of the shop (16 s on 50,000 orders).
 */
async function newestFirst<Row>(query: QueryFilter<OrderViewDoc>, f: OrderListFilter, wanted: number, { read, holdsOne }: Looks<Row>): Promise<Row[]> {
  const floor = f.from && f.from > NO_ORDER_BEFORE ? f.from.getTime() : NO_ORDER_BEFORE.getTime();
  const between = (lower: number, upper: number): QueryFilter<OrderViewDoc> => ({ ...query, createdAt: { $gte: new Date(lower), $lt: new Date(upper) } });
  let upper = Math.min(f.to?.getTime() ?? Infinity, f.after ? f.after.at.getTime() + 1 : Infinity, Date.now() + CLOCKS_APART_MS);
  const rows: Row[] = [];
  for (let span = FIRST_LOOK_MS; rows.length < wanted && upper > floor; ) {
    const lower = Math.max(upper - span, floor);
    const found = await read(between(lower, upper), wanted - rows.length);
    rows.push(...found);
    upper = lower;
    if (found.length > 0) {
      span *= 2;
      continue;
    }
    const newest = await hourOfNewest(upper, floor, (lower, upper) => holdsOne(between(lower, upper)));
    if (newest === undefined) break;
    upper = newest;
    span = FIRST_LOOK_MS;
  }
  return rows;
}

/** The end of the hour (or less) that holds the newest order before `upper`, by asking windows whether they hold one. */
async function hourOfNewest(upper: number, floor: number, holdsOne: (lower: number, upper: number) => Promise<boolean>): Promise<number | undefined> {
  let empty = upper;
  let low: number;
  for (let span = FIRST_LOOK_MS; ; span *= 2) {
    low = Math.max(upper - span, floor);
    if (await holdsOne(low, empty)) break;
    if (low === floor) return undefined;
    empty = low;
  }
  // The newest order is in [low, empty): halve it down to an hour.
  while (empty - low > FIRST_LOOK_MS) {
    const middle = low + Math.floor((empty - low) / 2);
    if (await holdsOne(middle, empty)) low = middle;
    else empty = middle;
  }
  return empty;
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
