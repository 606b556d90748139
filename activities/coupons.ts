import { ApplicationFailure } from '@temporalio/common';
import { grantCoupon, redeemCoupon, redeemReleased, releaseCoupon, type CouponGrant } from '../db/coupons';
import { merchantOr } from '../domain/merchant';
import { OrderMerchants } from '../db/merchants';
import { termsProblems, type ReleaseCause } from '../domain/coupons';
import type { ActivityDeps } from './deps';

/**
 * A coupon's hold follows its order's money (domain/orderLife.ts followCoupon); grants compensate
 * buyers. The order names its coupon by code alone: the coupon is its merchant's, read from the order.
 */
export function couponActivities({ store, vault, logger }: ActivityDeps) {
  const merchants = new OrderMerchants(store);

  async function grant(grant: CouponGrant): Promise<{ code: string; created: boolean }> {
    const problems = termsProblems(grant.terms);
    if (problems.length > 0) throw ApplicationFailure.nonRetryable(`the coupon's terms do not hold: ${problems.map((p) => `${p.path} ${p.reason}`).join('; ')}`, 'BadCouponTerms');
    return grantCoupon(store, vault, grant);
  }

  return {
    /**
     * The order's payment redeems the coupon held for it; once, however often it is retried. A hold
     * its cancel gave back (the payment found later by an incident) is taken again, or, with no room
     * left, redeemed past the limit (`overLimit`): the money was paid, so the order goes through.
     */
    async redeemOrderCoupon(given: { code: string; orderId: string; paymentId: string }): Promise<{ overLimit: boolean }> {
      const args = { ...given, merchantId: await merchants.of(given.orderId) };
      if ((await redeemCoupon(store, args)) !== 'released') return { overLimit: false };
      const access = await store.orderAccess.findById(args.orderId, { email: 1 }).lean();
      // Without its buyer on record only the buyer's claim cannot be taken again; a hash of nothing stands in.
      const buyerEmailHash = access ? vault.lookupHashes(vault.open(access.email))[0] : `order:${args.orderId}`;
      const redeemed = await redeemReleased(store, { ...args, buyerEmailHash });
      if (redeemed.overLimit) logger.warn({ orderId: args.orderId }, "a coupon was redeemed past its limit by a payment found after its order's cancel");
      return redeemed;
    },

    /** The order's hold on its coupon is given back (cancelled unpaid, or refunded); harmless twice. */
    async releaseOrderCoupon(args: { code: string; orderId: string; because: ReleaseCause }): Promise<void> {
      await releaseCoupon(store, { ...args, merchantId: await merchants.of(args.orderId) });
    },

    /**
     * A single-use coupon for one buyer, once per grant key (`incident:<id>:<emailHash>`), of the
     * merchant the grant names (absent: `default`): asked again it answers the same code. Terms that
     * do not hold fail for good (BadCouponTerms).
     */
    grantCoupon: grant,

    /**
     * grantCoupon for the buyer of an order, named by the order alone: the address is read from
     * order_access here and the answer leaves the code out, so neither reaches the caller's history
     * (the buyer's email reads the code by its grant key). The coupon is the order's merchant's, as
     * order_access says (the incident workflow names it too; the row is the one trusted).
     */
    async grantBuyerCoupon({ orderId, ...rest }: Omit<CouponGrant, 'buyerEmail' | 'merchantId'> & { orderId: string; merchantId?: string }): Promise<{ created: boolean }> {
      const access = await store.orderAccess.findById(orderId, { email: 1, merchantId: 1 }).lean();
      if (!access) throw ApplicationFailure.nonRetryable(`order ${orderId} has no buyer on record`, 'UnknownOrder');
      const { created } = await grant({ ...rest, buyerEmail: vault.open(access.email), merchantId: merchantOr(access.merchantId) });
      return { created };
    },
  };
}
