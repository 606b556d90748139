import { randomBytes } from 'node:crypto';
import { WorkflowIdReusePolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { Router } from 'express';
import type { Config } from '../../config';
import { affectedCounts, affectedOrders, incidentById, incidentsShownSince, listIncidents, projectIncident } from '../../db/incidents';
import type { Store } from '../../db/store';
import { PUBLIC_RESOLVED_FOR_MS, incidentWorkflowId, newIncident, publicStatus, type IncidentInput, type IncidentView } from '../../domain/incident';
import { compensateIncident, reconcileIncident, resolveIncident } from '../../workflows/messages';
import { actorName, callerOf, requireDefaultMerchant, requireRole } from '../auth';
import { handle, type ApiDeps } from '../deps';
import { conflict, notFound } from '../errors';
import { conflictOfUpdate } from '../gateway';
import { CompensateIncident, DeclareIncident, IncidentId, IncidentListQuery, ReconcileIncident, ResolveIncident } from '../incidentSchemas';
import { parse } from '../validate';

/**
 * Incidents: ops declare one (or the product's watcher opens it), follow the orders it hurt, make
 * good the payments it lost and resolve it with a public note; anyone reads the public status.
 * Each incident is a workflow, its single writer; the API reads the read model.
 */
export function incidentRoutes({ store, client, config }: ApiDeps): Router {
  const router = Router();
  const incidents = new IncidentGateway(client, store, config);

  router.post(
    '/v1/incidents',
    requireRole('ops'),
    requireDefaultMerchant('incidents'),
    handle(async (req, res) => {
      const body = parse(DeclareIncident, req.body, 'body');
      const view = await incidents.declare({ incidentId: randomBytes(8).toString('hex'), ...body, openedBy: actorName(callerOf(req)), openedAt: new Date().toISOString() });
      res.status(201).json(await incidents.present(view));
    }),
  );
  router.get(
    '/v1/incidents',
    requireRole('ops', 'agent'),
    requireDefaultMerchant('incidents'),
    handle(async (req, res) => {
      const { status } = parse(IncidentListQuery, req.query, 'query');
      const items = await listIncidents(store, status);
      res.json({ items: await Promise.all(items.map((i) => incidents.present(i))) });
    }),
  );
  router.get(
    '/v1/incidents/:incidentId',
    requireRole('ops', 'agent'),
    requireDefaultMerchant('incidents'),
    handle(async (req, res) => {
      res.json(await incidents.present(await incidents.view(req.params.incidentId as string)));
    }),
  );
  router.get(
    '/v1/incidents/:incidentId/orders',
    requireRole('ops', 'agent'),
    requireDefaultMerchant('incidents'),
    handle(async (req, res) => {
      const orders = await incidents.orders(await incidents.view(req.params.incidentId as string));
      res.json({ affected: affectedCounts(orders), items: orders.map(({ emailHash: _hidden, ...order }) => order) });
    }),
  );
  router.post(
    '/v1/incidents/:incidentId/reconcile',
    requireRole('ops'),
    requireDefaultMerchant('incidents'),
    handle(async (req, res) => {
      const incidentId = (await incidents.view(req.params.incidentId as string)).incidentId;
      const { note } = parse(ReconcileIncident, req.body ?? {}, 'body');
      res.status(202).json(await incidents.act(incidentId, reconcileIncident, { actor: actorName(callerOf(req)), ...(note ? { note } : {}) }));
    }),
  );
  router.post(
    '/v1/incidents/:incidentId/compensate',
    requireRole('ops'),
    requireDefaultMerchant('incidents'),
    handle(async (req, res) => {
      const incidentId = (await incidents.view(req.params.incidentId as string)).incidentId;
      const terms = parse(CompensateIncident, req.body, 'body');
      res.status(201).json(await incidents.act(incidentId, compensateIncident, { actor: actorName(callerOf(req)), terms }));
    }),
  );
  router.post(
    '/v1/incidents/:incidentId/resolve',
    requireRole('ops'),
    requireDefaultMerchant('incidents'),
    handle(async (req, res) => {
      const incidentId = (await incidents.view(req.params.incidentId as string)).incidentId;
      const { publicNote } = parse(ResolveIncident, req.body, 'body');
      res.json(await incidents.present(await incidents.act(incidentId, resolveIncident, { actor: actorName(callerOf(req)), publicNote })));
    }),
  );
  router.get(
    '/v1/public/status',
    handle(async (_req, res) => {
      const now = new Date();
      res.json(publicStatus(await incidentsShownSince(store, new Date(now.getTime() - PUBLIC_RESOLVED_FOR_MS)), now.toISOString()));
    }),
  );
  return router;
}

/** Everything the API asks of Temporal and the read model about incidents. */
class IncidentGateway {
  constructor(
    private readonly client: Client,
    private readonly store: Store,
    private readonly config: Config,
  ) {}

  /** The incident's row is written before its workflow starts, so it is listed the moment ops hear 201. */
  async declare(input: IncidentInput): Promise<IncidentView> {
    const view = newIncident(input);
    await projectIncident(this.store, 0, view);
    await this.client.workflow.start('incident', {
      taskQueue: this.config.temporal.taskQueue,
      workflowId: incidentWorkflowId(input.incidentId),
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    return view;
  }

  async view(rawId: string): Promise<IncidentView> {
    const incidentId = parse(IncidentId, rawId, 'incidentId');
    const view = await incidentById(this.store, incidentId);
    if (!view) throw notFound(`incident ${incidentId} does not exist`);
    return view;
  }

  orders(view: IncidentView) {
    return affectedOrders(this.store, view, this.config.incidents.deliverySloMs, new Date().toISOString());
  }

  async present(view: IncidentView): Promise<IncidentView & { affected: { orders: number; buyers: number } }> {
    const { timeline, ...rest } = view;
    return { ...rest, affected: affectedCounts(await this.orders(view)), timeline };
  }

  /** An ops action; a validator's refusal is a 409 with its reason, and an incident past its follow-up is closed. */
  async act<Ret, Arg>(incidentId: string, update: UpdateDefinition<Ret, [Arg]>, arg: Arg): Promise<Ret> {
    try {
      return await this.client.workflow.getHandle(incidentWorkflowId(incidentId)).executeUpdate(update, { args: [arg] });
    } catch (err) {
      conflictOfUpdate(err);
      if (err instanceof WorkflowNotFoundError) throw conflict(`incident ${incidentId} is closed: it was resolved more than 30 days ago`);
      throw err;
    }
  }
}
