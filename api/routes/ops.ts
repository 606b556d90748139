import { Router } from 'express';
import { parseDuration } from '../../domain/duration';
import { sittingSince } from '../../db/projection';
import { orderWorkflowId } from '../../domain/order';
import { requireRole } from '../auth';
import type { Config } from '../../config';
import { handle, type ApiDeps } from '../deps';
import { StuckQuery } from '../schemas';
import { parse } from '../validate';

/** What an ops engineer looks for first: orders that sit where they should not, and why. */
export function opsRoutes({ store, orders, config }: ApiDeps): Router {
  const router = Router();
  router.get(
    '/v1/ops/stuck',
    // Agents look here too: a refund or a replacement they started may be the one stuck.
    requireRole('ops', 'agent'),
    handle(async (req, res) => {
      const { olderThan } = parse(StuckQuery, req.query, 'query');
      const before = new Date(Date.now() - parseDuration(olderThan));
      // Orders that wait on a person come first, however recent: retrying will not move them.
      const waitingOnPeople = await store.orderViews.find({ needsAttention: { $gt: '' } }).sort({ statusSince: 1 }).limit(200).lean();
      const sitting = await store.orderViews
        .find(sittingSince(before))
        .sort({ statusSince: 1 })
        .limit(200)
        .lean();
      const rows = [...waitingOnPeople, ...sitting.filter((row) => !row.needsAttention)].slice(0, 200);
      const items = await Promise.all(
        rows.map(async (row) => {
          const workflowId = orderWorkflowId(row._id);
          const item = {
            orderId: row._id,
            workflowId,
            status: row.status,
            since: row.statusSince.toISOString(),
            temporalUiUrl: workflowLink(config, workflowId),
            ...(row.needsAttention ? { needsAttention: row.needsAttention } : {}),
          };
          const described = await orders.handle(row._id).describe().catch(() => undefined);
          const pending = described?.raw.pendingActivities?.[0];
          if (!pending) return item;
          return {
            ...item,
            pendingActivity: pending.activityType?.name ?? undefined,
            attempts: pending.attempt ?? undefined,
            lastFailure: pending.lastFailure?.message ?? undefined,
          };
        }),
      );
      res.json({ items });
    }),
  );
  router.get(
    '/v1/ops/attention',
    requireRole('ops', 'agent'),
    handle(async (_req, res) => {
      const rows = await store.refundAttention.find().sort({ since: 1 }).limit(500).lean();
      res.json({ items: rows.map(({ _id, kind, orderId, paymentId, reason, since }) => ({ kind, orderId, paymentId, refundId: _id, reason, since: since.toISOString() })) });
    }),
  );
  return router;
}

/** The workflow's page in the Temporal UI, where ops see its history and pending activities. */
export function workflowLink(config: Config, workflowId: string): string {
  return `${config.temporalUiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
