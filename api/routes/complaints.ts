import { Router } from 'express';
import { complaintQueuePage } from '../../db/complaintQueue';
import { OrderMerchants } from '../../db/merchants';
import { readSettings } from '../../db/merchantSettings';
import { complaintPolicyOf } from '../../domain/merchantSettings';
import { buyerConfirm, buyerReply, complaintAction, fileComplaint } from '../../workflows/messages';
import { asAction } from '../actionIds';
import { actorName, callerOf, merchantOf, refuseOthersOrder, requireBuyerOr, requireComplainantOr, requireOwnComplaint, requireRole } from '../auth';
import { ComplaintGateway } from '../complaintGateway';
import { handle, type ApiDeps } from '../deps';
import { readCursor, writeCursor } from '../cursor';
import { ComplaintActionInput, ComplaintConfirm, ComplaintId, ComplaintQueueQuery, ComplaintReply, FileComplaint, FileComplaintForBuyer, OrderId } from '../schemas';
import { parse } from '../validate';

/**
 * Complaints: the buyer files one on their order, the agents work the queue, the buyer replies and
 * confirms. Each complaint is a workflow; these routes validate, ask it, and map its answer.
 */
export function complaintRoutes({ store, vault, client, orders, config }: ApiDeps): Router {
  const complaints = new ComplaintGateway(client, store);
  const merchants = new OrderMerchants(store);
  /** The deadlines of a complaint on this order: its merchant's own, else the platform's. */
  const policyFor = async (orderId: string) => complaintPolicyOf(config.complaint, await readSettings(store, vault, await merchants.of(orderId)));
  const router = Router();
  const complainant = (...roles: Parameters<typeof requireRole>) => requireComplainantOr(store, (id) => complaints.orderOf(id), ...roles);

  router.post(
    '/v1/orders/:orderId/complaints',
    requireBuyerOr(store),
    handle(async (req, res) => {
      const orderId = parse(OrderId, req.params.orderId, 'orderId');
      const body = parse(FileComplaint, req.body, 'body');
      const { category, description, evidence } = body;
      const policy = await policyFor(orderId);
      const filed = await asAction(store, req, body, (updateId) => orders.act(orderId, fileComplaint, { category, description, evidence: evidence ?? [], policy }, updateId));
      res.status(201).json(filed);
    }),
  );

  router.post(
    '/v1/complaints',
    requireRole('agent'),
    handle(async (req, res) => {
      const body = parse(FileComplaintForBuyer, req.body, 'body');
      const { orderId, channel, externalRef, category, description } = body;
      await refuseOthersOrder(store, callerOf(req), orderId);
      // The order's own filing, with its rules (paid orders, one open at a time), carrying where it came in.
      const filing = { category, description, evidence: [], channel, ...(externalRef ? { externalRef } : {}), filedBy: actorName(callerOf(req)), policy: await policyFor(orderId) };
      res.status(201).json(await asAction(store, req, body, (updateId) => orders.act(orderId, fileComplaint, filing, updateId)));
    }),
  );

  router.get(
    '/v1/complaints',
    requireRole('agent', 'ops'),
    handle(async (req, res) => {
      const { cursor, ...query } = parse(ComplaintQueueQuery, req.query, 'query');
      const after = cursor ? readCursor(cursor) : undefined;
      const { items, next } = await complaintQueuePage(store, { merchantId: merchantOf(req), ...query, ...(after ? { after: { dueAt: after.at, id: after.id } } : {}) });
      res.json({ items, nextCursor: next ? writeCursor({ at: next.dueAt, id: next.id }) : null });
    }),
  );

  router.get(
    '/v1/complaints/:complaintId',
    complainant('agent', 'ops'),
    handle(async (req, res) => {
      res.json(await complaints.view(parse(ComplaintId, req.params.complaintId, 'complaintId')));
    }),
  );

  router.post(
    '/v1/complaints/:complaintId/actions',
    requireRole('agent'),
    requireOwnComplaint(store, (id) => complaints.orderOf(id)),
    handle(async (req, res) => {
      const complaintId = parse(ComplaintId, req.params.complaintId, 'complaintId');
      const body = parse(ComplaintActionInput, req.body, 'body');
      const { action, note } = body;
      const answer = await asAction(store, req, body, (updateId) => complaints.act(complaintId, complaintAction, { action, actor: actorName(callerOf(req)), ...(note ? { note } : {}) }, updateId));
      // A remedy the order is still carrying out: accepted, and shown pending on the complaint and the order.
      res.status(answer.status === 'pending' ? 202 : 200).json(answer);
    }),
  );

  router.post(
    '/v1/complaints/:complaintId/replies',
    complainant(),
    handle(async (req, res) => {
      const complaintId = parse(ComplaintId, req.params.complaintId, 'complaintId');
      const body = parse(ComplaintReply, req.body, 'body');
      res.json(await asAction(store, req, body, (updateId) => complaints.act(complaintId, buyerReply, { message: body.message }, updateId)));
    }),
  );

  router.post(
    '/v1/complaints/:complaintId/confirm',
    complainant(),
    handle(async (req, res) => {
      const complaintId = parse(ComplaintId, req.params.complaintId, 'complaintId');
      const body = parse(ComplaintConfirm, req.body, 'body');
      const { satisfied, rating, comment } = body;
      res.json(await asAction(store, req, body, (updateId) => complaints.act(complaintId, buyerConfirm, { satisfied, ...(rating ? { rating } : {}), ...(comment ? { comment } : {}) }, updateId)));
    }),
  );

  return router;
}
