import { Router } from 'express';
import { orderListPage } from '../../db/orderList';
import { orderAccessOf } from '../../db/orderAccess';
import { DEFAULT_BUYER_LOCALE, instructionsFor } from '../../domain/buyerEmail';
import { orderActionFits, type OrderView } from '../../domain/order';
import { cancelOrder, decideRefund, requestRefund } from '../../workflows/messages';
import { asAction, idempotencyKeyOf } from '../actionIds';
import { actorName, callerOf, merchantOf, requireBuyerOr, requireOwnOrder, requireRole } from '../auth';
import { stockId } from '../../domain/merchant';
import { handle, type ApiDeps } from '../deps';
import { readCursor, writeCursor } from '../cursor';
import { conflict } from '../errors';
import { takeOrder } from '../orderIntake';
import { CancelOrder, CreateOrder, KeysQuery, OrderListQuery, OrderId, RefundDecision, RefundRequest } from '../schemas';
import { DeliveryWatch } from '../deliveryWatch';
import { waitAside } from '../loadShed';
import { parse } from '../validate';

export function orderRoutes(deps: ApiDeps): Router {
  const { store, vault, orders } = deps;
  const router = Router();

  router.post(
    '/v1/orders',
    requireRole('storefront'),
    handle(async (req, res) => {
      const body = parse(CreateOrder, req.body, 'body');
      const key = idempotencyKeyOf(req);
      const { created, ...answer } = await takeOrder(deps, actorName(callerOf(req)), body, key, merchantOf(req));
      res.status(created ? 201 : 200).json(answer);
    }),
  );

  router.get(
    '/v1/orders',
    requireRole('storefront', 'agent', 'ops'),
    handle(async (req, res) => {
      const { cursor, email, ...filters } = parse(OrderListQuery, req.query, 'query');
      const caller = callerOf(req);
      const { items, next } = await orderListPage(store, {
        ...filters,
        // A storefront lists the orders it created; staff of other roles list every order.
        merchantId: merchantOf(req),
        ...(caller.kind === 'staff' && caller.role === 'storefront' ? { storefront: caller.name } : {}),
        ...(email ? { emailHashes: vault.lookupHashes(email) } : {}),
        ...(cursor ? { after: readCursor(cursor) } : {}),
      });
      res.json({ items, nextCursor: next ? writeCursor(next) : null });
    }),
  );

  router.get(
    '/v1/orders/:orderId',
    requireBuyerOr(store, 'storefront', 'agent', 'ops'),
    handle(async (req, res) => {
      const orderId = parse(OrderId, req.params.orderId, 'orderId');
      const view = await orders.view(orderId);
      // The workflow only ever holds the masked email; the buyer alone sees their own.
      res.json(callerOf(req).kind === 'buyer' ? await withBuyerEmail(view) : view);
    }),
  );

  const deliveries = new DeliveryWatch(store);

  router.get(
    '/v1/orders/:orderId/keys',
    requireBuyerOr(store),
    handle(async (req, res) => {
      const orderId = parse(OrderId, req.params.orderId, 'orderId');
      const { wait } = parse(KeysQuery, req.query, 'query');
      // From the read model, not a query to the order's workflow: a buyer's page asks again and again
      // while the keys are on their way, and during a sale those queries would crowd out the orders.
      // Whether the buyer still holds each key is settled by its claim below.
      let view = await orders.lastWritten(orderId);
      if (wait && (!view || DeliveryWatch.onItsWay(view.status))) {
        view = (await waitAside(res, deliveries.until(orderId, wait * 1000, (stop) => res.once('close', stop)))) ?? (await orders.lastWritten(orderId));
      }
      if (!view || !orderActionFits('keys', view.status) || view.keys.length === 0) {
        throw conflict(`the order is ${view?.status ?? 'AWAITING_PAYMENT'}; keys are available once delivered and until refunded`);
      }
      const keyIds = view.keys.map((k) => k.keyId);
      const [keys, claims, access] = await Promise.all([
        store.keys.find({ _id: { $in: keyIds } }).lean(),
        store.claims.find({ _id: { $in: keyIds } }).lean(),
        orderAccessOf(store, orderId),
      ]);
      const product = await store.products.findById(stockId(access?.merchantId, view.sku), { instructions: 1 }).lean();
      const held = new Set(claims.filter((c) => c.orderId === orderId && c.state === 'delivered').map((c) => c._id));
      const codes = keyIds.filter((id) => held.has(id)).map((id) => ({ keyId: id, code: vault.open(keys.find((k) => k._id === id)!.code) }));
      if (codes.length === 0) throw conflict('the keys of this order are no longer valid');
      const instructions = instructionsFor(product?.instructions, access?.locale ?? DEFAULT_BUYER_LOCALE) ?? null;
      res.set('cache-control', 'no-store').json({ keys: codes, instructions });
    }),
  );

  router.post(
    '/v1/orders/:orderId/cancel',
    requireBuyerOr(store, 'storefront'),
    handle(async (req, res) => {
      const orderId = parse(OrderId, req.params.orderId, 'orderId');
      const body = parse(CancelOrder, req.body ?? {}, 'body');
      const { reason } = body;
      res.json(await asAction(store, req, body, (updateId) => orders.act(orderId, cancelOrder, { actor: actorName(callerOf(req)), ...(reason ? { reason } : {}) }, updateId)));
    }),
  );

  router.post(
    '/v1/orders/:orderId/refund-request',
    requireBuyerOr(store),
    handle(async (req, res) => {
      const orderId = parse(OrderId, req.params.orderId, 'orderId');
      const body = parse(RefundRequest, req.body, 'body');
      res.status(202).json(await asAction(store, req, body, (updateId) => orders.act(orderId, requestRefund, { actor: 'buyer', reason: body.reason }, updateId)));
    }),
  );

  router.post(
    '/v1/orders/:orderId/refund-decision',
    requireRole('agent'),
    requireOwnOrder(store),
    handle(async (req, res) => {
      const orderId = parse(OrderId, req.params.orderId, 'orderId');
      const body = parse(RefundDecision, req.body, 'body');
      const { approve, note } = body;
      res.json(await asAction(store, req, body, (updateId) => orders.act(orderId, decideRefund, { actor: actorName(callerOf(req)), approve, ...(note ? { note } : {}) }, updateId)));
    }),
  );

  return router;

  async function withBuyerEmail(view: OrderView): Promise<OrderView> {
    const access = await orderAccessOf(store, view.orderId);
    return access ? { ...view, buyer: { email: vault.open(access.email) } } : view;
  }
}
