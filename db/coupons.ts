import { randomInt } from 'node:crypto';
import {
  couponKey,
  couponRefusal,
  normalCode,
  oncePerBuyer,
  priceWith,
  type Coupon,
  type CouponPrice,
  type CouponRefusal,
  type CouponTerms,
  type ReleaseCause,
} from '../domain/coupons';
import { maskEmail } from '../domain/masking';
import { DEFAULT_MERCHANT, merchantOr } from '../domain/merchant';
import type { Money } from '../domain/money';
import { inMerchant } from './merchants';
import type { CouponClaimDoc, CouponDoc, CouponRedemptionDoc, OrderViewDoc } from './schemas';
import { isDuplicateKeyError, type Store } from './store';
import type { Vault } from './vault';

/*
 * Coupons in the store, each a merchant's own: its id is couponKey(merchant, code), and every read
 * names the merchant, so another merchant's code is one this merchant does not know. How many
 * orders hold a coupon is settled as key claims are, by inserts that collide (see db/schemas.ts):
 * an order holds redemption slot `<key>#<n>` for some n up to maxRedemptions, and a coupon once per
 * buyer also takes the buyer's claim `<key>@<emailHash>`.
 * Whichever order inserts a slot first has it; N orders racing for k slots, across any number of
 * API processes, leave exactly k holding one. A hold is taken when the order is, redeemed by its
 * payment, and given back when it is cancelled unpaid or its payment goes back.
 */

export interface NewCoupon extends CouponTerms {
  code?: string;
  buyerEmail?: string;
  grantKey?: string;
}

/** The coupon as the domain decides on it. */
export function couponOf(doc: CouponDoc): Coupon {
  return {
    code: doc.code ?? doc._id,
    ...(doc.amountOff ? { amountOff: money(doc.amountOff) } : {}),
    ...(doc.percentOff !== undefined && doc.percentOff !== null ? { percentOff: doc.percentOff } : {}),
    ...(doc.minSpend ? { minSpend: money(doc.minSpend) } : {}),
    ...(doc.firstOrderOnly ? { firstOrderOnly: true } : {}),
    ...(doc.maxRedemptions ? { maxRedemptions: doc.maxRedemptions } : {}),
    ...(doc.validFrom ? { validFrom: doc.validFrom.toISOString() } : {}),
    ...(doc.validUntil ? { validUntil: doc.validUntil.toISOString() } : {}),
    ...(doc.buyerEmailHash ? { buyerEmailHash: doc.buyerEmailHash } : {}),
  };
}

const money = (m: Money): Money => ({ amount: m.amount, currency: m.currency });

/** An order's redemption of the coupon, as its merchant's row. */
const redemptionOf = (merchantId: string, code: string, orderId: string) => ({ _id: redemptionId(code, orderId), ...inMerchant<CouponRedemptionDoc>(merchantId) });

/** The merchant a stored row is of: rows written before coupons were per merchant are `default`'s. */
const merchantOfRow = (row: { merchantId?: string | null }): string => merchantOr(row.merchantId);

/** The merchant's coupon of that code (any case), or null: another merchant's coupon of the same code is not it. */
export function findCoupon(store: Store, merchantId: string, code: string): Promise<CouponDoc | null> {
  return store.coupons.findOne({ _id: couponKey(merchantId, normalCode(code)), ...inMerchant<CouponDoc>(merchantId) }).lean();
}

/** The coupon a grant made (activities/email.ts tells the buyer its code). */
export function grantedCoupon(store: Store, merchantId: string, grantKey: string): Promise<CouponDoc | null> {
  return store.coupons.findOne({ ...inMerchant<CouponDoc>(merchantId), grantKey }).lean();
}

/** The document of a new coupon; a coupon issued to one buyer is single-use unless told otherwise. */
function newCouponDoc(vault: Vault, merchantId: string, code: string, coupon: NewCoupon, createdBy: string): CouponDoc {
  const { buyerEmail, grantKey, validFrom, validUntil, code: _given, ...terms } = coupon;
  return {
    _id: couponKey(merchantId, code),
    merchantId,
    code,
    ...terms,
    ...(buyerEmail ? { buyerEmailHash: vault.lookupHash(buyerEmail), buyerEmailMasked: maskEmail(buyerEmail), maxRedemptions: terms.maxRedemptions ?? 1 } : {}),
    ...(validFrom ? { validFrom: new Date(validFrom) } : {}),
    ...(validUntil ? { validUntil: new Date(validUntil) } : {}),
    ...(grantKey ? { grantKey } : {}),
    createdBy,
    createdAt: new Date(),
  };
}

/** A new coupon of the merchant under its own code or a fresh one; null when the merchant has the code already. */
export async function createCoupon(store: Store, vault: Vault, coupon: NewCoupon, createdBy: string, merchantId: string = DEFAULT_MERCHANT): Promise<CouponDoc | null> {
  const doc = newCouponDoc(vault, merchantId, coupon.code ? normalCode(coupon.code) : freshCode(), coupon, createdBy);
  try {
    await store.coupons.create(doc);
    return doc;
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    return null;
  }
}

/** Letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L). */
const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
function freshCode(): string {
  return Array.from({ length: 10 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
}

/** What grantCoupon issues: the coupon's terms, for one buyer, once per grant key. */
export interface CouponGrant {
  /** The outside reason, unique per coupon: `incident:<id>:<emailHash>`. */
  grantKey: string;
  buyerEmail: string;
  terms: Omit<CouponTerms, 'maxRedemptions' | 'firstOrderOnly'>;
  createdBy?: string;
  /** The merchant whose coupon it is (absent: `default`); its orders alone may use it. */
  merchantId?: string;
}

/**
 * A single-use coupon for one buyer, once per grant key: asked again (a retried activity, a
 * repeated compensation), it answers the same coupon. The code is drawn from the grant key under
 * the vault's fingerprint key, so two racing grants insert the same code and one insert wins.
 */
export async function grantCoupon(store: Store, vault: Vault, grant: CouponGrant): Promise<{ code: string; created: boolean }> {
  const merchantId = grant.merchantId ?? DEFAULT_MERCHANT;
  const earlier = await grantedCoupon(store, merchantId, grant.grantKey);
  if (earlier) return { code: couponOf(earlier).code, created: false };
  const code = grantCode(vault, grant.grantKey);
  const created = await createCoupon(store, vault, { ...grant.terms, code, buyerEmail: grant.buyerEmail, grantKey: grant.grantKey, maxRedemptions: 1 }, grant.createdBy ?? 'system', merchantId);
  return { code, created: created !== null };
}

function grantCode(vault: Vault, grantKey: string): string {
  const digest = BigInt(`0x${vault.fingerprint(`coupon-grant:${grantKey}`).slice(0, 24)}`);
  let code = '';
  for (let rest = digest, i = 0; i < 12; i += 1, rest /= BigInt(CODE_ALPHABET.length)) code += CODE_ALPHABET[Number(rest % BigInt(CODE_ALPHABET.length))];
  return `G${code}`;
}

export interface CouponHold {
  /** The order's merchant: only its own coupons apply. */
  merchantId: string;
  code: string;
  orderId: string;
  buyerEmail: string;
  listPrice: Money;
  at: string;
}

export type HoldOutcome = { held: CouponPrice & { code: string } } | { refused: CouponRefusal; coupon?: Coupon };

const redemptionId = (code: string, orderId: string) => `${code}:${orderId}`;

/**
 * Hold the coupon for a new order, or say why it does not apply. The same order asking again (a
 * retried request) gets what its first ask got: its redemption is keyed by the order.
 */
export async function holdCoupon(store: Store, vault: Vault, hold: CouponHold): Promise<HoldOutcome> {
  const { merchantId, orderId } = hold;
  const doc = await findCoupon(store, merchantId, hold.code);
  if (!doc) return { refused: 'unknown' };
  const coupon = couponOf(doc);
  const { code } = coupon;
  const earlier = await store.couponRedemptions.findOne(redemptionOf(merchantId, code, orderId)).lean();
  if (earlier) return { held: { code, listPrice: money(earlier.listPrice), discount: money(earlier.discount), amount: money(earlier.amount) } };

  const hashes = vault.lookupHashes(hold.buyerEmail);
  // First order at this merchant: what the buyer bought elsewhere is not its to count.
  const paidBefore = { ...inMerchant<OrderViewDoc>(merchantId), emailHash: { $in: hashes }, status: { $nin: ['AWAITING_PAYMENT', 'CANCELLED'] as OrderViewDoc['status'][] }, _id: { $ne: orderId } };
  const orderedBefore = coupon.firstOrderOnly === true && (await store.orderViews.exists(paidBefore)) !== null;
  const refused = couponRefusal(coupon, { at: hold.at, listPrice: hold.listPrice, buyerEmailHashes: hashes, orderedBefore });
  if (refused) return { refused, coupon };

  const of = claimsOf(doc);
  const buyerClaim = oncePerBuyer(coupon) ? `${doc._id}@${hashes[0]}` : undefined;
  if (buyerClaim && !(await claim(store, of, buyerClaim, 'buyer', orderId))) return { refused: 'already_used', coupon };
  if (coupon.maxRedemptions && !(await takeSlot(store, of, coupon.maxRedemptions, orderId))) {
    if (buyerClaim) await store.couponClaims.deleteOne({ _id: buyerClaim, orderId });
    return { refused: 'used_up', coupon };
  }
  const price = priceWith(coupon, hold.listPrice);
  try {
    await store.couponRedemptions.create({ _id: redemptionId(code, orderId), merchantId, code, orderId, state: 'held', buyerEmailMasked: maskEmail(hold.buyerEmail), ...price, heldAt: new Date() });
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
  }
  return { held: { code, ...price } };
}

/** Whose claims they are: the coupon's merchant, its code, and its id that leads each claim's. */
interface ClaimsOf {
  merchantId: string;
  code: string;
  key: string;
}

function claimsOf(doc: CouponDoc): ClaimsOf {
  return { merchantId: merchantOfRow(doc), code: couponOf(doc).code, key: doc._id };
}

/** The coupon's claims of that kind, as its merchant's rows. */
const claimsFilter = ({ merchantId, code }: ClaimsOf, kind: CouponClaimDoc['kind']) => ({ ...inMerchant<CouponClaimDoc>(merchantId), code, kind });

/** Insert a claim; true when this order holds it (now or from before), false when another does. */
async function claim(store: Store, of: ClaimsOf, _id: string, kind: 'slot' | 'buyer', orderId: string): Promise<boolean> {
  try {
    await store.couponClaims.create({ _id, merchantId: of.merchantId, code: of.code, kind, orderId, claimedAt: new Date() });
    return true;
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    // Either the id is another order's, or this order holds one of this kind already.
    return (await store.couponClaims.exists({ ...claimsFilter(of, kind), orderId })) !== null;
  }
}

/**
 * One of the coupon's `max` slots for the order: the free ones are tried from a random place (so
 * racing orders seldom try the same first), and a slot given back meanwhile is found on a second look.
 */
async function takeSlot(store: Store, of: ClaimsOf, max: number, orderId: string): Promise<boolean> {
  for (let look = 0; look < 2; look += 1) {
    const held = await store.couponClaims.find(claimsFilter(of, 'slot'), { _id: 1, orderId: 1 }).lean();
    if (held.some((c) => c.orderId === orderId)) return true;
    const taken = new Set(held.map((c) => c._id));
    const free = Array.from({ length: max }, (_, i) => `${of.key}#${i + 1}`).filter((id) => !taken.has(id));
    const start = free.length > 0 ? randomInt(free.length) : 0;
    for (const id of [...free.slice(start), ...free.slice(0, start)]) {
      if (await claim(store, of, id, 'slot', orderId)) return true;
    }
  }
  return false;
}

/**
 * What a payment did to the order's hold: redeemed it; found it released by the order's cancel (a
 * payment found after the order was cancelled unpaid: see redeemReleased); or nothing (redeemed
 * before, given back by a refund, or no hold).
 */
export type RedeemOutcome = 'redeemed' | 'released' | 'unchanged';

/** An order's use of its coupon: the order's merchant (its coupons alone), the code, the order. */
export interface OrderCoupon {
  merchantId: string;
  code: string;
  orderId: string;
}

/** The order's payment redeems its hold (once: a redemption already redeemed stays as it is). */
export async function redeemCoupon(store: Store, { merchantId, code, orderId, paymentId }: OrderCoupon & { paymentId: string }): Promise<RedeemOutcome> {
  const redemption = redemptionOf(merchantId, code, orderId);
  const held = await store.couponRedemptions.updateOne({ ...redemption, state: 'held' }, { $set: { state: 'redeemed', paymentId, redeemedAt: new Date() } });
  if (held.modifiedCount > 0) return 'redeemed';
  return (await store.couponRedemptions.exists({ ...redemption, state: 'released', releasedBecause: 'cancelled' })) ? 'released' : 'unchanged';
}

/**
 * A payment found for an order cancelled unpaid (an incident's reconciliation revives it): the buyer
 * paid the discounted price, so the order goes through at it whatever the coupon has left. Its hold
 * is taken again when the coupon still has room (the buyer's claim and a redemption slot); when
 * another order took the room meanwhile, the redemption is kept as redeemed `overLimit`, one use
 * past the coupon's limit, rather than failing the order. Asked again, it answers the same.
 */
export async function redeemReleased(
  store: Store,
  { merchantId, code, orderId, paymentId, buyerEmailHash }: OrderCoupon & { paymentId: string; buyerEmailHash: string },
): Promise<{ overLimit: boolean }> {
  const redemption = redemptionOf(merchantId, code, orderId);
  const earlier = await store.couponRedemptions.findOne(redemption, { state: 1, overLimit: 1 }).lean();
  if (earlier?.state === 'redeemed') return { overLimit: earlier.overLimit === true };
  const doc = await findCoupon(store, merchantId, code);
  let overLimit = false;
  if (doc) {
    const coupon = couponOf(doc);
    const of = claimsOf(doc);
    // The buyer's claim is kept even over the limit: they did use the coupon.
    if (oncePerBuyer(coupon) && !(await claim(store, of, `${doc._id}@${buyerEmailHash}`, 'buyer', orderId))) overLimit = true;
    if (coupon.maxRedemptions && !(await takeSlot(store, of, coupon.maxRedemptions, orderId))) overLimit = true;
  }
  await store.couponRedemptions.updateOne(
    { ...redemption, state: 'released' },
    { $set: { state: 'redeemed', paymentId, redeemedAt: new Date(), ...(overLimit ? { overLimit: true } : {}) }, $unset: { releasedAt: 1, releasedBecause: 1 } },
  );
  return { overLimit };
}

/**
 * The order gives its hold back (cancelled unpaid, or its payment went back): its claims go, so
 * another order (or the same buyer, for a coupon once per buyer) may use the coupon again.
 */
export async function releaseCoupon(store: Store, { merchantId, code, orderId, because }: OrderCoupon & { because: ReleaseCause }): Promise<void> {
  await store.couponClaims.deleteMany({ ...inMerchant<CouponClaimDoc>(merchantId), code, orderId });
  await store.couponRedemptions.updateOne({ ...redemptionOf(merchantId, code, orderId), state: { $ne: 'released' } }, { $set: { state: 'released', releasedAt: new Date(), releasedBecause: because } });
}

// ── What the console shows ─────────────────────────────────────────────────────────────────────

export interface RedemptionCounts {
  held: number;
  redeemed: number;
  released: number;
}

export interface CouponListed extends Omit<Coupon, 'buyerEmailHash'> {
  issuedTo: string | null;
  granted: boolean;
  createdBy: string;
  createdAt: string;
  counts: RedemptionCounts;
  /** Redemptions still to be had (null: no limit). */
  remaining: number | null;
}

export interface RedemptionListed {
  orderId: string;
  state: CouponRedemptionDoc['state'];
  buyer: string;
  listPrice: Money;
  discount: Money;
  amount: Money;
  heldAt: string;
  redeemedAt: string | null;
  releasedAt: string | null;
  releasedBecause: string | null;
  /** Redeemed past the coupon's limit: its payment was found after the order's cancel gave the coupon back, and another order had taken the room. */
  overLimit: boolean;
}

export async function couponListed(store: Store, doc: CouponDoc, counts?: RedemptionCounts): Promise<CouponListed> {
  const { buyerEmailHash: _hash, ...coupon } = couponOf(doc);
  const counted = counts ?? (await countsOf(store, merchantOfRow(doc), [coupon.code])).get(coupon.code) ?? noRedemptions();
  return {
    ...coupon,
    issuedTo: doc.buyerEmailMasked ?? null,
    granted: doc.grantKey !== undefined && doc.grantKey !== null,
    createdBy: doc.createdBy,
    createdAt: doc.createdAt.toISOString(),
    counts: counted,
    remaining: doc.maxRedemptions ? Math.max(0, doc.maxRedemptions - counted.held - counted.redeemed) : null,
  };
}

const noRedemptions = (): RedemptionCounts => ({ held: 0, redeemed: 0, released: 0 });

async function countsOf(store: Store, merchantId: string, codes: string[]): Promise<Map<string, RedemptionCounts>> {
  const rows = await store.couponRedemptions.aggregate<{ _id: { code: string; state: keyof RedemptionCounts }; n: number }>([
    { $match: { ...inMerchant(merchantId), code: { $in: codes } } },
    { $group: { _id: { code: '$code', state: '$state' }, n: { $sum: 1 } } },
  ]);
  const counts = new Map<string, RedemptionCounts>();
  for (const { _id, n } of rows) {
    const c = counts.get(_id.code) ?? noRedemptions();
    c[_id.state] = n;
    counts.set(_id.code, c);
  }
  return counts;
}

/** The merchant's coupons, newest first; `after` is the last one of the page before. */
export async function couponPage(store: Store, merchantId: string, { limit, after }: { limit: number; after?: { at: Date; id: string } }): Promise<{ items: CouponListed[]; next?: { at: Date; id: string } }> {
  const beyond = after ? { $or: [{ createdAt: { $lt: after.at } }, { createdAt: after.at, _id: { $lt: after.id } }] } : {};
  const docs = await store.coupons.find({ ...inMerchant<CouponDoc>(merchantId), ...beyond }).sort({ createdAt: -1, _id: -1 }).limit(limit + 1).lean();
  const page = docs.slice(0, limit);
  const codeOf = (d: CouponDoc) => couponOf(d).code;
  const counts = await countsOf(store, merchantId, page.map(codeOf));
  const items = await Promise.all(page.map((d) => couponListed(store, d, counts.get(codeOf(d)) ?? noRedemptions())));
  const last = page[page.length - 1];
  return { items, ...(docs.length > limit && last ? { next: { at: last.createdAt, id: last._id } } : {}) };
}

/** The most recent redemptions of a coupon shown with it. */
export const REDEMPTIONS_SHOWN = 200;

export async function redemptionsOf(store: Store, merchantId: string, code: string): Promise<RedemptionListed[]> {
  const rows = await store.couponRedemptions.find({ ...inMerchant<CouponRedemptionDoc>(merchantId), code }).sort({ heldAt: -1 }).limit(REDEMPTIONS_SHOWN).lean();
  const iso = (d: Date | undefined) => (d ? d.toISOString() : null);
  return rows.map((r) => ({
    orderId: r.orderId,
    state: r.state,
    buyer: r.buyerEmailMasked,
    listPrice: money(r.listPrice),
    discount: money(r.discount),
    amount: money(r.amount),
    heldAt: r.heldAt.toISOString(),
    redeemedAt: iso(r.redeemedAt),
    releasedAt: iso(r.releasedAt),
    releasedBecause: r.releasedBecause ?? null,
    overLimit: r.overLimit === true,
  }));
}

/** How many of the coupon's redemptions stand past its limit (see redeemReleased): all of them, not only those shown. */
export function overLimitCount(store: Store, merchantId: string, code: string): Promise<number> {
  return store.couponRedemptions.countDocuments({ ...inMerchant<CouponRedemptionDoc>(merchantId), code, state: 'redeemed', overLimit: true });
}
