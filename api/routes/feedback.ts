import { createHash } from 'node:crypto';
import { Router } from 'express';
import { isDuplicateKeyError } from '../../db/store';
import { inMerchant } from '../../db/merchants';
import { idempotencyKeyOf } from '../actionIds';
import { merchantOf, requireBuyerOr, requireRole } from '../auth';
import { readCursor, writeCursor } from '../cursor';
import { handle, type ApiDeps } from '../deps';
import { conflict } from '../errors';
import { FeedbackInput, FeedbackListQuery, OrderId } from '../schemas';
import { parse } from '../validate';

/**
 * The buyer's feedback on a delivered order, beyond complaints: once per order (its row's _id is the
 * order's), so a second is a 409; the same Idempotency-Key with the same body answers as the first.
 */
export function feedbackRoutes({ store, orders }: ApiDeps): Router {
  const router = Router();
  router.post(
    '/v1/orders/:orderId/feedback',
    requireBuyerOr(store),
    handle(async (req, res) => {
      const orderId = parse(OrderId, req.params.orderId, 'orderId');
      const body = parse(FeedbackInput, req.body, 'body');
      const key = idempotencyKeyOf(req);
      const view = await orders.lastWritten(orderId);
      if (!view?.deliveredAt) throw conflict(`the order is ${view?.status ?? 'AWAITING_PAYMENT'}; feedback is given once its keys are delivered`);
      const request = createHash('sha256').update(JSON.stringify([key ?? null, body])).digest('hex');
      const access = await store.orderAccess.findById(orderId, { merchantId: 1 }).lean();
      const row = { _id: orderId, sku: view.sku, ...(access?.merchantId ? { merchantId: access.merchantId } : {}), ...body, at: new Date(), request };
      try {
        await store.feedback.create(row);
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        const first = await store.feedback.findById(orderId).lean();
        if (key === undefined || first?.request !== request) throw conflict('feedback was already given on this order');
        return void res.status(201).json(answerOf(first));
      }
      res.status(201).json(answerOf(row));
    }),
  );

  // What buyers said, newest first: for the agents beside the report's figures (its {at} index).
  router.get(
    '/v1/feedback',
    requireRole('agent', 'ops'),
    handle(async (req, res) => {
      const { sku, from, to, limit, cursor } = parse(FeedbackListQuery, req.query, 'query');
      const after = cursor ? readCursor(cursor) : undefined;
      const at = { ...(from ? { $gte: from } : {}), ...(to ? { $lt: to } : {}) };
      const filter = {
        ...inMerchant(merchantOf(req)),
        ...(sku ? { sku } : {}),
        ...(Object.keys(at).length ? { at } : {}),
        ...(after ? { $or: [{ at: { $lt: after.at } }, { at: after.at, _id: { $lt: after.id } }] } : {}),
      };
      const rows = await store.feedback.find(filter, { request: 0 }).sort({ at: -1, _id: -1 }).limit(limit + 1).lean();
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      res.json({ items: page.map(answerOf), nextCursor: rows.length > limit && last ? writeCursor({ at: last.at, id: last._id }) : null });
    }),
  );
  return router;
}

function answerOf(row: { _id: string; sku: string; rating: number; instructionsClear?: boolean; comment?: string; at: Date }) {
  const { _id, sku, rating, instructionsClear, comment, at } = row;
  return { orderId: _id, sku, rating, ...(instructionsClear !== undefined ? { instructionsClear } : {}), ...(comment ? { comment } : {}), at: at.toISOString() };
}
