import type { QueryFilter } from 'mongoose';
import type { ProductDoc } from './schemas';
import type { Store } from './store';

export interface ProductFilter {
  /** On sale (true), switched off (false), or both. */
  active?: boolean;
  /** Part of the sku or the name, any case. */
  q?: string;
  limit: number;
  /** The sku the previous page ended with. */
  after?: string;
}

/** A product is on sale unless it was switched off: products stored before the switch existed are on. */
export const onSale = (p: Pick<ProductDoc, 'active'>): boolean => p.active !== false;

/** A page of the catalog in sku order. */
export async function productPage(store: Store, f: ProductFilter): Promise<{ items: ProductDoc[]; next?: string }> {
  const query: QueryFilter<ProductDoc> = {};
  if (f.active !== undefined) query.active = f.active ? { $ne: false } : false;
  if (f.q) {
    const pattern = new RegExp(f.q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
    query.$or = [{ _id: pattern }, { name: pattern }];
  }
  if (f.after !== undefined) query._id = { $gt: f.after };
  const rows = await store.products.find(query).sort({ _id: 1 }).limit(f.limit + 1).lean();
  const items = rows.slice(0, f.limit);
  return { items, ...(rows.length > f.limit ? { next: items[items.length - 1]._id } : {}) };
}
