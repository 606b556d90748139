import { Router } from 'express';
import type { QueryFilter } from 'mongoose';
import { parseDuration } from '../../domain/duration';
import { sittingSince } from '../../db/projection';
import type { OrderViewDoc } from '../../db/schemas';
import { orderWorkflowId } from '../../domain/order';
import { merchantOf, requireRole } from '../auth';
import { inMerchant } from '../../db/merchants';
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
      // Orders that wait on a person come first, however recent: retrying will not move them. A paid
      // order waiting for stock waits on the shop too (a restock), from its first minute.
      const mine = inMerchant<OrderViewDoc>(merchantOf(req));
      const [waitingOnPeople, waitingForStock, sitting] = await Promise.all(
        firstLooks(before).map((query) =>
          store.orderViews.find({ ...mine, ...query }).sort({ statusSince: 1 }).limit(200).lean(),
        ),
      );
      const seen = new Set<string>();
      const rows = [...waitingOnPeople, ...waitingForStock, ...sitting].filter((row) => !seen.has(row._id) && seen.add(row._id)).slice(0, 200);
      const items = await Promise.all(
        rows.map(async (row) => {
          const workflowId = orderWorkflowId(row._id);
          const item = {
            orderId: row._id,
            workflowId,
            status: row.status,
            since: row.statusSince.toISOString(),
            sku: row.sku,
            quantity: row.view.quantity,
            amount: row.view.amount,
            why: row.needsAttention ? ('attention' as const) : row.status === 'OUT_OF_STOCK' ? ('out_of_stock' as const) : ('sitting' as const),
            temporalUiUrl: workflowLink(config, workflowId),
            ...(row.needsAttention ? { needsAttention: row.needsAttention } : {}),
            ...(row.view.attention ? { attention: row.view.attention } : {}),
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
    handle(async (req, res) => {
      const rows = await store.refundAttention.find(inMerchant(merchantOf(req))).sort({ since: 1 }).limit(500).lean();
      res.json({ items: rows.map(({ _id, kind, orderId, paymentId, reason, since }) => ({ kind, orderId, paymentId, refundId: _id, reason, since: since.toISOString() })) });
    }),
  );
  return router;
}

/** The workflow's page in the Temporal UI, where ops see its history and pending activities. */
export function workflowLink(config: Config, workflowId: string): string {
  return `${config.temporalUiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** Where to look, in order: orders waiting on people, those waiting for stock, those sitting since `before`. */
function firstLooks(before: Date): QueryFilter<OrderViewDoc>[] {
  return [{ needsAttention: { $gt: '' } }, { status: 'OUT_OF_STOCK' }, sittingSince(before)];
}
