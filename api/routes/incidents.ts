import { randomBytes } from 'node:crypto';
import { WorkflowIdReusePolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { Router, type Request } from 'express';
import type { Config } from '../../config';
import { affectedCounts, affectedOrders, incidentById, incidentsShownSince, listIncidents, projectIncident } from '../../db/incidents';
import { findMerchant } from '../../db/merchants';
import type { Store } from '../../db/store';
import {
  PUBLIC_RESOLVED_FOR_MS,
  actRefusal,
  declaredFor,
  incidentStaffOf,
  incidentWorkflowId,
  newIncident,
  ordersOf,
  publicStatus,
  visibleTo,
  type IncidentInput,
  type IncidentStaff,
  type IncidentView,
} from '../../domain/incident';
import { DEFAULT_MERCHANT } from '../../domain/merchant';
import { compensateIncident, reconcileIncident, resolveIncident } from '../../workflows/messages';
import { actorName, callerOf, requireRole } from '../auth';
import { handle, type ApiDeps } from '../deps';
import { conflict, forbidden, notFound, unauthenticated } from '../errors';
import { conflictOfUpdate } from '../gateway';
import { CompensateIncident, DeclareIncident, IncidentId, IncidentListQuery, PublicStatusQuery, ReconcileIncident, ResolveIncident } from '../incidentSchemas';
import { parse } from '../validate';

/** The staff calling, as incidents judge them (domain/incident.ts): whose incidents they see and may act on. */
function staffOf(req: Request): IncidentStaff {
  const caller = callerOf(req);
  if (caller.kind !== 'staff') throw unauthenticated('an API key is required');
  return incidentStaffOf(caller);
}

/**
 * Incidents: ops declare one (or the product's watcher opens it), follow the orders it hurt, make
 * good the payments it lost and resolve it with a public note; anyone reads the public status.
 * Each incident is a workflow, its single writer; the API reads the read model. A merchant's ops
 * declare that merchant's incidents; the platform's keys (and the product) platform-wide ones.
 */
export function incidentRoutes({ store, client, config }: ApiDeps): Router {
  const router = Router();
  const incidents = new IncidentGateway(client, store, config);

  router.post(
    '/v1/incidents',
    requireRole('ops'),
    handle(async (req, res) => {
      const body = parse(DeclareIncident, req.body, 'body');
      const staff = staffOf(req);
      const merchantId = declaredFor(staff);
      const view = await incidents.declare({ incidentId: randomBytes(8).toString('hex'), ...body, openedBy: actorName(callerOf(req)), openedAt: new Date().toISOString(), ...(merchantId ? { merchantId } : {}) });
      res.status(201).json(await incidents.present(view, staff));
    }),
  );
  router.get(
    '/v1/incidents',
    requireRole('ops', 'agent'),
    handle(async (req, res) => {
      const { status } = parse(IncidentListQuery, req.query, 'query');
      const staff = staffOf(req);
      const items = await listIncidents(store, staff.merchantId, status);
      res.json({ items: await Promise.all(items.map((i) => incidents.present(i, staff))) });
    }),
  );
  router.get(
    '/v1/incidents/:incidentId',
    requireRole('ops', 'agent'),
    handle(async (req, res) => {
      const staff = staffOf(req);
      res.json(await incidents.present(await incidents.view(req.params.incidentId as string, staff), staff));
    }),
  );
  router.get(
    '/v1/incidents/:incidentId/orders',
    requireRole('ops', 'agent'),
    handle(async (req, res) => {
      const staff = staffOf(req);
      const orders = await incidents.orders(await incidents.view(req.params.incidentId as string, staff), staff);
      res.json({ affected: affectedCounts(orders), items: orders.map(({ emailHash: _hidden, ...order }) => order) });
    }),
  );
  router.post(
    '/v1/incidents/:incidentId/reconcile',
    requireRole('ops'),
    handle(async (req, res) => {
      const incidentId = (await incidents.viewToAct(req.params.incidentId as string, staffOf(req))).incidentId;
      const { note } = parse(ReconcileIncident, req.body ?? {}, 'body');
      res.status(202).json(await incidents.act(incidentId, reconcileIncident, { actor: actorName(callerOf(req)), ...(note ? { note } : {}) }));
    }),
  );
  router.post(
    '/v1/incidents/:incidentId/compensate',
    requireRole('ops'),
    handle(async (req, res) => {
      const incidentId = (await incidents.viewToAct(req.params.incidentId as string, staffOf(req))).incidentId;
      const terms = parse(CompensateIncident, req.body, 'body');
      res.status(201).json(await incidents.act(incidentId, compensateIncident, { actor: actorName(callerOf(req)), terms }));
    }),
  );
  router.post(
    '/v1/incidents/:incidentId/resolve',
    requireRole('ops'),
    handle(async (req, res) => {
      const staff = staffOf(req);
      const incidentId = (await incidents.viewToAct(req.params.incidentId as string, staff)).incidentId;
      const { publicNote } = parse(ResolveIncident, req.body, 'body');
      res.json(await incidents.present(await incidents.act(incidentId, resolveIncident, { actor: actorName(callerOf(req)), publicNote }), staff));
    }),
  );
  router.get(
    '/v1/public/status',
    handle(async (req, res) => {
      // Without `merchant`, the platform's page (/report), which is also the first shop's, as before merchants.
      const { merchant = DEFAULT_MERCHANT } = parse(PublicStatusQuery, req.query, 'query');
      if (!(await findMerchant(store, merchant))) throw notFound(`merchant ${merchant} does not exist`);
      const now = new Date();
      res.json(publicStatus(await incidentsShownSince(store, merchant, new Date(now.getTime() - PUBLIC_RESOLVED_FOR_MS)), now.toISOString()));
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

  /** The incident as these staff may see it: another merchant's is not there. */
  async view(rawId: string, staff: IncidentStaff): Promise<IncidentView> {
    const incidentId = parse(IncidentId, rawId, 'incidentId');
    const view = await incidentById(this.store, incidentId);
    if (!view || !visibleTo(view, staff)) throw notFound(`incident ${incidentId} does not exist`);
    return view;
  }

  /** The incident these staff would act on; a platform-wide one is the operator's (403 to any other merchant). */
  async viewToAct(rawId: string, staff: IncidentStaff): Promise<IncidentView> {
    const view = await this.view(rawId, staff);
    const refused = actRefusal(view, staff);
    if (refused) throw forbidden(refused);
    return view;
  }

  /** The orders it hurt that these staff may see. */
  orders(view: IncidentView, staff: IncidentStaff) {
    return affectedOrders(this.store, view, this.config.incidents.deliverySloMs, new Date().toISOString(), ordersOf(view, staff));
  }

  async present(view: IncidentView, staff: IncidentStaff): Promise<IncidentView & { affected: { orders: number; buyers: number } }> {
    const { timeline, ...rest } = view;
    return { ...rest, affected: affectedCounts(await this.orders(view, staff)), timeline };
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
