import type { OrderAccessDoc } from './schemas';
import type { Store } from './store';

/** How long a process keeps an order's access row it has read. */
const KEEP_MS = 60_000;
/** The most rows a process keeps (oldest read dropped first): a few MB at most. */
const MOST = 20_000;

const kept = new WeakMap<Store, Map<string, { row: OrderAccessDoc; until: number }>>();

/**
 * An order's access row (token hash, sealed email, storefront, locale). A row is written once, when
 * the order is taken, and only its sealed email changes after (a key rotation seals the same address
 * anew), so a process keeps the rows it read for a minute: a buyer's page asking about its order
 * every few hundred milliseconds costs the store one read of the order, not three. A missing row is
 * never kept (an order being taken right now has one a moment later).
 */
export async function orderAccessOf(store: Store, orderId: string): Promise<OrderAccessDoc | null> {
  let rows = kept.get(store);
  if (!rows) kept.set(store, (rows = new Map()));
  const now = Date.now();
  const hit = rows.get(orderId);
  if (hit && hit.until > now) return hit.row;
  const row = await store.orderAccess.findById(orderId).lean();
  rows.delete(orderId);
  if (!row) return null;
  if (rows.size >= MOST) rows.delete(rows.keys().next().value as string);
  rows.set(orderId, { row, until: now + KEEP_MS });
  return row;
}
