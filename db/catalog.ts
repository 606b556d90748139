import type { QueryFilter } from 'mongoose';
import { DEFAULT_MERCHANT } from '../domain/merchant';
import { inMerchant } from './merchants';
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

/** A page of a merchant's catalog in sku order. */
export async function productPage(store: Store, merchantId: string, f: ProductFilter): Promise<{ items: ProductDoc[]; next?: string }> {
  const query: QueryFilter<ProductDoc> = inMerchant<ProductDoc>(merchantId);
  if (f.active !== undefined) query.active = f.active ? { $ne: false } : false;
  if (f.q) {
    const text = escape(f.q);
    // A product's id is its sku, after `<merchant>:` for merchants but `default` (domain/merchant.ts).
    const inSku = merchantId === DEFAULT_MERCHANT ? text : `^${escape(merchantId)}:.*${text}`;
    query.$or = [{ _id: new RegExp(inSku, 'i') }, { name: new RegExp(text, 'i') }];
  }
  if (f.after !== undefined) query._id = { $gt: f.after };
  const rows = await store.products.find(query).sort({ _id: 1 }).limit(f.limit + 1).lean();
  const items = rows.slice(0, f.limit);
  return { items, ...(rows.length > f.limit ? { next: items[items.length - 1]._id } : {}) };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
