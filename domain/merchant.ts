/**
 * Merchants: the shops one kamiflow hosts. The single shop of earlier releases is the merchant
 * `default`, and everything stored before merchants existed is its own (a row without a merchant
 * belongs to `default`).
 */
export const DEFAULT_MERCHANT = 'default';

/** A merchant id as the platform gives it: lower-case letters, digits and dashes, 3 to 40. */
export const MERCHANT_ID = /^[a-z0-9-]{3,40}$/;

export const MERCHANT_STATUSES = ['ACTIVE', 'SUSPENDED'] as const;
export type MerchantStatus = (typeof MERCHANT_STATUSES)[number];

/** The roles a merchant's own keys may have (the platform's keys come from API_KEYS only). */
export const MERCHANT_KEY_ROLES = ['admin', 'storefront', 'agent', 'ops'] as const;
export type MerchantKeyRole = (typeof MERCHANT_KEY_ROLES)[number];

/** The merchant a stored row or an order's input names; none means the first shop's. */
export function merchantOr(merchantId: string | null | undefined): string {
  return merchantId || DEFAULT_MERCHANT;
}

/**
 * The id of a merchant's product in the catalog and the inventory: the sku itself for `default`
 * (so its rows and its orders' histories read as before), `<merchant>:<sku>` for any other. A sku
 * never holds ":", so no merchant's product can take the id of another's.
 */
export function stockId(merchantId: string | undefined, sku: string): string {
  const merchant = merchantOr(merchantId);
  return merchant === DEFAULT_MERCHANT ? sku : `${merchant}:${sku}`;
}

/** The merchant and the sku a stock id names (see stockId). */
export function ofStockId(id: string): { merchantId: string; sku: string } {
  const at = id.indexOf(':');
  return at < 0 ? { merchantId: DEFAULT_MERCHANT, sku: id } : { merchantId: id.slice(0, at), sku: id.slice(at + 1) };
}

/**
 * A key code's fingerprint as the inventory keeps it: a code is unique within its merchant, so one
 * merchant's import never learns that another holds the same code.
 */
export function scopedFingerprint(merchantId: string, fingerprint: string): string {
  return merchantId === DEFAULT_MERCHANT ? fingerprint : `${merchantId}:${fingerprint}`;
}
