import { DEFAULT_MERCHANT } from '../domain/merchant';
import type { Store } from './store';

/** The indexes of the single shop's coupons, which did not lead with the merchant. */
const EARLIER_INDEXES: [keyof Pick<Store, 'coupons' | 'couponClaims' | 'couponRedemptions'>, string][] = [
  ['coupons', 'createdAt_-1__id_-1'],
  ['coupons', 'grantKey_1'],
  ['couponClaims', 'code_1_kind_1_orderId_1'],
  ['couponRedemptions', 'code_1_heldAt_1'],
];

/**
 * Coupons became a merchant's own. Those written before are the first shop's: each is given
 * `default` and its code (its _id, which stays: couponKey is the code alone for `default`), and so
 * are their claims and redemptions, so the indexes that lead with the merchant serve them. The code
 * reads a row without a merchant as `default`'s, so this changes no answer; safe to run again and
 * beside the API and workers (it only fills in what is missing). The earlier indexes are dropped.
 */
export async function couponsIntoDefault(store: Store): Promise<Record<string, number>> {
  let coupons = 0;
  // One coupon at a time: the code is the _id, and a shop's coupons are few.
  for (const { _id } of await store.coupons.find({ merchantId: { $exists: false } }, { _id: 1 }).lean()) {
    const { modifiedCount } = await store.coupons.updateOne({ _id, merchantId: { $exists: false } }, { $set: { merchantId: DEFAULT_MERCHANT, code: _id } });
    coupons += modifiedCount;
  }
  const unnamed = { merchantId: { $exists: false } };
  const named = { $set: { merchantId: DEFAULT_MERCHANT } };
  const claims = (await store.couponClaims.updateMany(unnamed, named)).modifiedCount;
  const redemptions = (await store.couponRedemptions.updateMany(unnamed, named)).modifiedCount;
  for (const [model, index] of EARLIER_INDEXES) {
    await store[model].collection.dropIndex(index).catch((err: { codeName?: string }) => {
      if (err.codeName !== 'IndexNotFound') throw err;
    });
  }
  return { coupons, coupon_claims: claims, coupon_redemptions: redemptions };
}
