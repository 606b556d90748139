/**
 * Making good what an incident cost its buyers (后期补偿): one single-use coupon per affected buyer,
 * once per incident. Pure decisions: the incident workflow grants the coupons and emails them
 * (workflows/incident.ts); the store settles that a grant key is one coupon (db/coupons.ts).
 */
import type { CouponTerms } from './coupons';
import { DEFAULT_MERCHANT } from './merchant';
import { parseDuration } from './duration';
import { formatMoney, type Money } from './money';

/** What ops ask for: the money off (exactly one of amountOff and percentOff), how long it holds, a minimum spend. */
export interface Compensation {
  amountOff?: Money;
  percentOff?: number;
  /** A duration like "30d": the coupons are valid from the grant until this long after it. */
  validFor: string;
  minSpend?: Money;
}

/** The compensation an incident made, kept in its view: a repeat answers it. */
export interface CompensationDone {
  terms: Compensation;
  coupons: number;
  at: string;
  by: string;
  validUntil: string;
}

/** An affected buyer, as the workflow knows them: a keyed hash and one of their orders (never the address). */
export interface BuyerToCompensate {
  emailHash: string;
  /** The merchant of the buyer's affected order: the coupon is that merchant's (a platform-wide incident grants one per merchant). */
  merchantId?: string;
  /** The buyer's latest affected order: its order_access row has the address and the language to write in. */
  orderId: string;
}

/**
 * One coupon per buyer per merchant per incident: the grant key, which is also the email's event id
 * (and so its Message-ID). The first shop's keeps the key it had before merchants.
 */
export function compensationKey(incidentId: string, emailHash: string, merchantId = DEFAULT_MERCHANT): string {
  return `incident:${incidentId}:${emailHash}${merchantId === DEFAULT_MERCHANT ? '' : `:${merchantId}`}`;
}

/**
 * One entry per buyer in each merchant (orders without a known buyer are left out), with their
 * latest order there; `orders` oldest first.
 */
export function buyersOf(orders: { orderId: string; emailHash?: string; merchantId?: string }[]): BuyerToCompensate[] {
  const latest = new Map<string, BuyerToCompensate>();
  for (const { orderId, emailHash, merchantId = DEFAULT_MERCHANT } of orders) if (emailHash) latest.set(`${merchantId}\u0000${emailHash}`, { emailHash, orderId, merchantId });
  return [...latest.values()];
}

/** The coupon's terms for a grant made at `at`: valid from then for `validFor`. */
export function couponTermsOf(c: Compensation, at: string): Pick<CouponTerms, 'amountOff' | 'percentOff' | 'minSpend'> & { validFrom: string; validUntil: string } {
  return {
    ...(c.amountOff ? { amountOff: c.amountOff } : {}),
    ...(c.percentOff !== undefined ? { percentOff: c.percentOff } : {}),
    ...(c.minSpend ? { minSpend: c.minSpend } : {}),
    validFrom: at,
    validUntil: new Date(Date.parse(at) + parseDuration(c.validFor)).toISOString(),
  };
}

const sameMoney = (a?: Money, b?: Money) => a?.amount === b?.amount && a?.currency === b?.currency;

export function sameCompensation(a: Compensation, b: Compensation): boolean {
  return sameMoney(a.amountOff, b.amountOff) && a.percentOff === b.percentOff && a.validFor === b.validFor && sameMoney(a.minSpend, b.minSpend);
}

/**
 * Why this compensation is refused, or undefined. An incident compensates once: the same ask again
 * answers the same coupons; other terms would be a second coupon per buyer, which ops must not get
 * by retrying, so they are a conflict naming what was granted.
 */
export function compensationRefusal(earlier: Compensation | undefined, asked: Compensation): string | undefined {
  if (!earlier || sameCompensation(earlier, asked)) return undefined;
  return `the incident's buyers were already compensated with ${describeTerms(earlier)}; a repeat must ask for the same terms`;
}

export function describeTerms(c: Compensation): string {
  const off = c.amountOff ? `${formatMoney(c.amountOff)} off` : `${c.percentOff}% off`;
  return `${off}${c.minSpend ? ` on a spend of at least ${formatMoney(c.minSpend)}` : ''}, valid for ${c.validFor}`;
}

/** The incident timeline's line for a compensation. */
export function compensationSummary(done: CompensationDone): string {
  return `${done.coupons} single-use coupon(s), one per affected buyer, emailed to them: ${describeTerms(done.terms)} (until ${done.validUntil})`;
}
