import { Router } from 'express';
import { couponListed, couponPage, createCoupon, findCoupon, overLimitCount, redemptionsOf } from '../../db/coupons';
import { normalCode } from '../../domain/coupons';
import { asAction } from '../actionIds';
import { actorName, callerOf, merchantOf, requireRole } from '../auth';
import { readCursor, writeCursor } from '../cursor';
import { handle, type ApiDeps } from '../deps';
import { conflict, notFound } from '../errors';
import { CouponCode, CouponListQuery, CreateCoupon } from '../schemas';
import { parse } from '../validate';

/**
 * Coupons, each merchant's own: its admin makes them, the console lists them with their redemptions.
 * Another merchant's coupon is not there (404), like one that does not exist.
 */
export function couponRoutes({ store, vault }: ApiDeps): Router {
  const router = Router();

  router.post(
    '/v1/coupons',
    requireRole('admin'),
    handle(async (req, res) => {
      const body = parse(CreateCoupon, req.body, 'body');
      const answer = await asAction(store, req, body, async () => {
        const doc = await createCoupon(store, vault, body, actorName(callerOf(req)), merchantOf(req));
        if (!doc) throw conflict(`coupon ${normalCode(body.code ?? '')} already exists`);
        return couponListed(store, doc);
      });
      res.status(201).json(answer);
    }),
  );

  router.get(
    '/v1/coupons',
    requireRole('ops'),
    handle(async (req, res) => {
      const { cursor, limit } = parse(CouponListQuery, req.query, 'query');
      const { items, next } = await couponPage(store, merchantOf(req), { limit, ...(cursor ? { after: readCursor(cursor) } : {}) });
      res.json({ items, nextCursor: next ? writeCursor(next) : null });
    }),
  );

  router.get(
    '/v1/coupons/:code',
    requireRole('ops'),
    handle(async (req, res) => {
      const code = normalCode(parse(CouponCode, req.params.code, 'code'));
      const merchantId = merchantOf(req);
      const doc = await findCoupon(store, merchantId, code);
      if (!doc) throw notFound(`coupon ${code} does not exist`);
      res.json({ ...(await couponListed(store, doc)), overLimit: await overLimitCount(store, merchantId, code), redemptions: await redemptionsOf(store, merchantId, code) });
    }),
  );

  return router;
}
