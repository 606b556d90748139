/**
 * Coupons and promotions (限时折扣, 满减, 首单立减): what a coupon takes off a price, and whether it
 * applies to an order. Pure decisions: the store (db/coupons.ts) brings the facts and settles the
 * races (how many redemptions are left, whether this buyer used it already).
 */
import { stockId } from './merchant';
import { formatMoney, type Money } from './money';

/** A coupon's terms, as the admin (or a grant) set them. Money is in minor units. */
export interface CouponTerms {
  /** Exactly one of amountOff and percentOff. */
  amountOff?: Money;
  /** 1..100: the share of the list price taken off, rounded down to a whole minor unit. */
  percentOff?: number;
  /** 满减: the list price (before the discount) must reach this. */
  minSpend?: Money;
  /** 首单立减: only a buyer with no paid order before; such a coupon is also once per buyer. */
  firstOrderOnly?: boolean;
  /** How many orders may hold or have redeemed it at once (absent: no limit). */
  maxRedemptions?: number;
  validFrom?: string;
  validUntil?: string;
}

export interface Coupon extends CouponTerms {
  code: string;
  /** Issued to one buyer (their email by keyed hash): nobody else may use it. */
  buyerEmailHash?: string;
}

/** Why a coupon does not apply to an order: the 409 `coupon_not_applicable` names it. */
export const COUPON_REFUSALS = [
  'unknown',
  'not_yet_valid',
  'expired',
  'issued_to_another_buyer',
  'currency',
  'minimum_spend',
  'first_order_only',
  'already_used',
  'used_up',
] as const;
export type CouponRefusal = (typeof COUPON_REFUSALS)[number];

/** What the order's buyer and price are, for deciding whether a coupon applies. */
export interface CouponUse {
  at: string;
  listPrice: Money;
  /** The buyer's email under every lookup key (Vault.lookupHashes). */
  buyerEmailHashes: string[];
  /** Whether the buyer has an order that was paid before this one. */
  orderedBefore: boolean;
}

/**
 * Why the coupon does not apply to this use, or undefined when it does. Redemptions left and the
 * buyer's earlier use of it are the store's to settle (they race); everything else is decided here.
 */
export function couponRefusal(coupon: Coupon | undefined, use: CouponUse): CouponRefusal | undefined {
  if (!coupon) return 'unknown';
  const at = Date.parse(use.at);
  if (coupon.validFrom && at < Date.parse(coupon.validFrom)) return 'not_yet_valid';
  if (coupon.validUntil && at >= Date.parse(coupon.validUntil)) return 'expired';
  if (coupon.buyerEmailHash && !use.buyerEmailHashes.includes(coupon.buyerEmailHash)) return 'issued_to_another_buyer';
  const currencies = [coupon.amountOff?.currency, coupon.minSpend?.currency].filter((c) => c !== undefined);
  if (currencies.some((c) => c !== use.listPrice.currency)) return 'currency';
  if (coupon.minSpend && use.listPrice.amount < coupon.minSpend.amount) return 'minimum_spend';
  if (coupon.firstOrderOnly && use.orderedBefore) return 'first_order_only';
  return undefined;
}

/** Whether one buyer may use the coupon only once (the store keeps one claim per buyer for it). */
export function oncePerBuyer(coupon: CouponTerms & { buyerEmailHash?: string }): boolean {
  return coupon.firstOrderOnly === true || coupon.buyerEmailHash !== undefined;
}

/** The words of a refusal, for the 409's message. */
export function refusalMessage(code: string, why: CouponRefusal, coupon?: Coupon): string {
  switch (why) {
    case 'unknown':
      return `coupon ${code} does not exist`;
    case 'not_yet_valid':
      return `coupon ${code} is valid from ${coupon?.validFrom}`;
    case 'expired':
      return `coupon ${code} expired at ${coupon?.validUntil}`;
    case 'issued_to_another_buyer':
      return `coupon ${code} was issued to another buyer`;
    case 'currency':
      return `coupon ${code} is in another currency than the product's price`;
    case 'minimum_spend':
      return `coupon ${code} needs a spend of at least ${coupon?.minSpend ? formatMoney(coupon.minSpend) : '?'}`;
    case 'first_order_only':
      return `coupon ${code} is for a buyer's first order only`;
    case 'already_used':
      return `coupon ${code} was already used by this buyer`;
    case 'used_up':
      return `coupon ${code} has been used the most times allowed (${coupon?.maxRedemptions})`;
  }
}

/** An order's price with a coupon: what was listed, what came off, and what the buyer pays. */
export interface CouponPrice {
  listPrice: Money;
  discount: Money;
  amount: Money;
}

/** The price after the coupon: never below 1 minor unit (a payment of nothing is no payment). */
export function priceWith(terms: CouponTerms, listPrice: Money): CouponPrice {
  const off = terms.amountOff ? terms.amountOff.amount : Math.floor((listPrice.amount * (terms.percentOff ?? 0)) / 100);
  const amount = Math.max(1, listPrice.amount - off);
  const { currency } = listPrice;
  return { listPrice, discount: { amount: listPrice.amount - amount, currency }, amount: { amount, currency } };
}

/** Codes are compared without case: `spring-10` is `SPRING-10`. */
export function normalCode(code: string): string {
  return code.trim().toUpperCase();
}

/**
 * A coupon's id in the store, scoped as the catalog's products are (stockId): codes are unique per
 * merchant, so the id is the code for `default` (the first shop's coupons keep the ids they had)
 * and `<merchant>:<code>` for any other. A code never holds ":", so no merchant's coupon can take
 * the id of another's.
 */
export function couponKey(merchantId: string | undefined, code: string): string {
  return stockId(merchantId, code);
}

export const COUPON_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$/;

/** Where a redemption stands: held by an unpaid order, redeemed by its payment, released by its end. */
export const REDEMPTION_STATES = ['held', 'redeemed', 'released'] as const;
export type RedemptionState = (typeof REDEMPTION_STATES)[number];

/** Why a hold was given back: the order was cancelled unpaid, or its payment was refunded. */
export type ReleaseCause = 'cancelled' | 'refunded';

type Problem = { path: string; reason: string };

/** What is wrong with a coupon's terms, field by field (empty when they hold). */
export function termsProblems(terms: CouponTerms): Problem[] {
  const problems: Problem[] = [];
  const wholeMoney = (m: { amount: number } | undefined) => m === undefined || (Number.isSafeInteger(m.amount) && m.amount >= 0);
  if (!wholeMoney(terms.amountOff)) problems.push({ path: 'amountOff.amount', reason: 'must be a whole number of minor units' });
  if (terms.percentOff !== undefined && !(Number.isInteger(terms.percentOff) && terms.percentOff >= 1 && terms.percentOff <= 100)) problems.push({ path: 'percentOff', reason: 'must be a whole number from 1 to 100' });
  if (!wholeMoney(terms.minSpend)) problems.push({ path: 'minSpend.amount', reason: 'must be a whole number of minor units' });
  if (terms.maxRedemptions !== undefined && !(Number.isInteger(terms.maxRedemptions) && terms.maxRedemptions >= 1 && terms.maxRedemptions <= MAX_REDEMPTIONS)) problems.push({ path: 'maxRedemptions', reason: `must be a whole number from 1 to ${MAX_REDEMPTIONS}` });
  for (const field of ['validFrom', 'validUntil'] as const) {
    const value = terms[field];
    if (value !== undefined && Number.isNaN(Date.parse(value))) problems.push({ path: field, reason: 'must be an ISO-8601 time' });
  }
  return [...problems, ...termsRules(terms)];
}

/** The rules of a coupon's terms beyond each field's type: between fields, and no money off of nothing. */
export function termsRules(terms: CouponTerms): Problem[] {
  const problems: Problem[] = [];
  if (terms.amountOff?.amount === 0) problems.push({ path: 'amountOff.amount', reason: 'must be above 0' });
  if (terms.minSpend?.amount === 0) problems.push({ path: 'minSpend.amount', reason: 'must be above 0' });
  if ((terms.amountOff === undefined) === (terms.percentOff === undefined)) problems.push({ path: 'amountOff', reason: 'give exactly one of amountOff and percentOff' });
  if (terms.amountOff && terms.minSpend && terms.amountOff.currency !== terms.minSpend.currency) problems.push({ path: 'minSpend.currency', reason: 'must be the currency of amountOff' });
  if (terms.validFrom && terms.validUntil && Date.parse(terms.validFrom) >= Date.parse(terms.validUntil)) problems.push({ path: 'validUntil', reason: 'must be after validFrom' });
  return problems;
}

/** A coupon's redemptions are slots in the store, each one an insert: a limit keeps a hold's look at them small. */
export const MAX_REDEMPTIONS = 10_000;
