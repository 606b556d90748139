import { Schema, type Model } from 'mongoose';
import { inMerchant } from './merchants';
import { merchantOr } from '../domain/merchant';
import { affectedBy, lateForWatch, type AffectedReason, type DeliveryWatch, type IncidentStatus, type IncidentView } from '../domain/incident';
import type { Money } from '../domain/money';
import type { OrderStatus, TimelineEntry } from '../domain/order';
import type { PaymentMethod } from '../domain/payment';
import { minutesBetween, projectNewer } from './projection';
import type { Store } from './store';

/** The incidents read model: written by each incident's workflow at every change, read by the API and the watcher. */
export interface IncidentDoc {
  _id: string;
  seq: number;
  status: IncidentStatus;
  openedBy: string;
  openedAt: Date;
  resolvedAt?: Date;
  /** The merchant whose incident it is; absent = platform-wide. */
  merchantId?: string;
  view: IncidentView;
}

const incidentSchema = new Schema<IncidentDoc>(
  {
    _id: String,
    seq: { type: Number, required: true },
    status: { type: String, required: true },
    openedBy: { type: String, required: true },
    openedAt: { type: Date, required: true },
    resolvedAt: Date,
    merchantId: String,
    view: { type: Schema.Types.Mixed, required: true },
  },
  { versionKey: false, minimize: false },
);
incidentSchema.index({ status: 1, openedAt: -1 });
incidentSchema.index({ resolvedAt: 1 }, { sparse: true });

const ready = new WeakMap<Store, Promise<Model<IncidentDoc>>>();

/**
 * The incidents collection of this store, its indexes made once per connection (kept beside the
 * store rather than in it: incidents are one capability, and their collection is theirs). The
 * watcher looks up order rows by the minutes they were paid and delivered (db/schemas.ts indexes them).
 */
export function incidents(store: Store): Promise<Model<IncidentDoc>> {
  let model = ready.get(store);
  if (!model) {
    model = (async () => {
      const m = (store.connection.models.Incident as Model<IncidentDoc> | undefined) ?? store.connection.model<IncidentDoc>('Incident', incidentSchema, 'incidents');
      await m.createIndexes();
      return m;
    })();
    model.catch(() => ready.delete(store));
    ready.set(store, model);
  }
  return model;
}

/** The incident as its workflow last wrote it; `seq` only grows, so a late retry never rolls it back. */
export async function projectIncident(store: Store, seq: number, view: IncidentView): Promise<void> {
  const model = await incidents(store);
  await projectNewer(model, {
    _id: view.incidentId,
    seq,
    status: view.status,
    openedBy: view.openedBy,
    openedAt: new Date(view.openedAt),
    ...(view.resolvedAt ? { resolvedAt: new Date(view.resolvedAt) } : {}),
    ...(view.merchantId ? { merchantId: view.merchantId } : {}),
    view,
  });
}

export async function incidentById(store: Store, incidentId: string): Promise<IncidentView | null> {
  const row = await (await incidents(store)).findById(incidentId, { view: 1 }).lean();
  return row?.view ?? null;
}

/** The incidents a merchant sees: its own and the platform-wide ones (null also matches a row without the field). */
const seenBy = (merchantId: string) => ({ merchantId: { $in: [merchantId, null] } });

/** A merchant's incidents and the platform-wide ones, newest first, of one status or all. */
export async function listIncidents(store: Store, merchantId: string, status?: IncidentStatus, limit = 200): Promise<IncidentView[]> {
  const rows = await (await incidents(store))
    .find({ ...seenBy(merchantId), ...(status ? { status } : {}) }, { view: 1 })
    .sort({ openedAt: -1 })
    .limit(limit)
    .lean();
  return rows.map((r) => r.view);
}

/** What a merchant's public status is made of: its and the platform-wide open incidents, and those resolved since `since`. */
export async function incidentsShownSince(store: Store, merchantId: string, since: Date): Promise<IncidentView[]> {
  const rows = await (await incidents(store))
    .find({ $and: [seenBy(merchantId), { $or: [{ status: 'OPEN' }, { resolvedAt: { $gte: since } }] }] }, { view: 1 })
    .limit(500)
    .lean();
  return rows.map((r) => r.view);
}

/** Incidents open now, by the merchant they concern (none: platform-wide). */
export async function openIncidentsByMerchant(store: Store): Promise<{ merchantId?: string; incidents: number }[]> {
  const counted = new Map<string | undefined, number>();
  for (const { merchantId } of await openIncidents(store)) counted.set(merchantId, (counted.get(merchantId) ?? 0) + 1);
  return [...counted].map(([merchantId, incidents]) => ({ ...(merchantId ? { merchantId } : {}), incidents }));
}

/** The open incidents' owners (absent = platform-wide) and causes: the watcher asks whether one covers an outage, and which late orders it explains. */
export async function openIncidents(store: Store): Promise<Pick<IncidentView, 'merchantId' | 'cause'>[]> {
  const rows = await (await incidents(store)).find({ status: 'OPEN' }, { merchantId: 1, 'view.cause': 1 }).lean<Pick<IncidentDoc, 'merchantId' | 'view'>[]>();
  return rows.map((r) => ({ cause: r.view.cause, ...(r.merchantId ? { merchantId: r.merchantId } : {}) }));
}

/** When the last incident the product opened itself was resolved (the watcher counts from there). */
export async function lastDetectedResolvedAt(store: Store): Promise<string | undefined> {
  const row = await (await incidents(store)).findOne({ openedBy: 'system', status: 'RESOLVED' }, { resolvedAt: 1 }).sort({ resolvedAt: -1 }).lean();
  return row?.resolvedAt?.toISOString();
}

/** One order an incident touched, as ops see it. */
export interface AffectedOrder {
  orderId: string;
  /** The merchant whose order it is (a platform-wide incident's orders are many merchants'). */
  merchantId: string;
  reason: AffectedReason;
  status: OrderStatus;
  sku: string;
  amount: Money;
  method: PaymentMethod;
  createdAt: string;
  paidAt?: string;
  deliveredAt?: string;
  /** Who the buyer is, hashed (the order list's key): counts buyers, never shows one. */
  emailHash?: string;
}

interface OrderRowFacts {
  _id: string;
  merchantId?: string;
  sku: string;
  status: OrderStatus;
  createdAt: Date;
  paidAt?: Date;
  deliveredAt?: Date;
  emailHash?: string;
  view: { amount: Money; timeline: TimelineEntry[]; payment?: { method: PaymentMethod } };
}

/** Orders an incident can touch are made in its window: read once, judged by domain/incident.ts. */
const MAX_ORDERS_IN_A_WINDOW = 100_000;

/** The orders made in the incident's window that it hurt, oldest first: of one merchant (domain/incident.ts ordersOf), or of every merchant. */
export async function affectedOrders(store: Store, incident: IncidentView, sloMs: number, now: string, merchantId?: string): Promise<AffectedOrder[]> {
  const to = incident.endedAt ?? now;
  const rows = await store.orderViews
    .find(
      { ...(merchantId ? inMerchant(merchantId) : {}), createdAt: { $gte: new Date(incident.startedAt), $lte: new Date(to) } },
      { merchantId: 1, sku: 1, status: 1, createdAt: 1, paidAt: 1, deliveredAt: 1, emailHash: 1, 'view.amount': 1, 'view.timeline': 1, 'view.payment': 1 },
    )
    .sort({ createdAt: 1 })
    .limit(MAX_ORDERS_IN_A_WINDOW)
    .lean<OrderRowFacts[]>();
  const found: AffectedOrder[] = [];
  for (const row of rows) {
    const facts = {
      status: row.status,
      createdAt: row.createdAt.toISOString(),
      ...(row.paidAt ? { paidAt: row.paidAt.toISOString() } : {}),
      ...(row.deliveredAt ? { deliveredAt: row.deliveredAt.toISOString() } : {}),
      timeline: row.view.timeline ?? [],
    };
    const reason = affectedBy(incident, facts, sloMs, now);
    if (!reason) continue;
    const { timeline: _timeline, ...dates } = facts;
    found.push({ orderId: row._id, merchantId: merchantOr(row.merchantId), reason, sku: row.sku, amount: row.view.amount, method: row.view.payment?.method ?? 'generic', ...dates, ...(row.emailHash ? { emailHash: row.emailHash } : {}) });
  }
  return found;
}

/** How many orders and how many buyers (an order without a known buyer counts as one of its own). */
export function affectedCounts(orders: AffectedOrder[]): { orders: number; buyers: number } {
  return { orders: orders.length, buyers: new Set(orders.map((o) => o.emailHash ?? `order:${o.orderId}`)).size };
}

/**
 * The orders the watcher judges (domain/incident.ts lateForWatch): paid since `since`, or given keys
 * since then (an order whose notice was lost is paid from the provider's time, long before it shows
 * late), but none paid before `notBefore` (the last incident the product opened and resolved).
 */
export async function lateOrdersSeen(store: Store, since: string, notBefore: string | undefined, sloMs: number, now: string): Promise<Omit<DeliveryWatch, 'openIncident' | 'openCauses'>> {
  // By the minute, two equality lookups the embedded store answers from indexes; the exact bounds
  // are then applied here (a range on a date would read every order row there).
  const minutes = minutesBetween(since, now);
  const fields = { status: 1, createdAt: 1, paidAt: 1, deliveredAt: 1, 'view.timeline': 1 };
  type Row = Pick<OrderRowFacts, 'status' | 'createdAt' | 'paidAt' | 'deliveredAt' | 'view'> & { _id: string };
  const [paid, delivered] = await Promise.all(
    (['paidMinute', 'deliveredMinute'] as const).map((field) => store.orderViews.find({ [field]: { $in: minutes } }, fields).limit(MAX_ORDERS_IN_A_WINDOW).lean<Row[]>()),
  );
  const from = Date.parse(since);
  const seen = new Map<string, Row>();
  for (const r of [...paid, ...delivered]) seen.set(r._id, r);
  const rows = [...seen.values()].filter(
    (r) => ((r.paidAt?.getTime() ?? -Infinity) >= from || (r.deliveredAt?.getTime() ?? -Infinity) >= from) && (!notBefore || (r.paidAt?.getTime() ?? -Infinity) >= Date.parse(notBefore)),
  );
  let lateOrders = 0;
  let learnedByAsking = 0;
  let firstCreatedAt: string | undefined;
  for (const r of rows) {
    const createdAt = r.createdAt.toISOString();
    const learned = lateForWatch({ status: r.status, createdAt, paidAt: r.paidAt?.toISOString(), deliveredAt: r.deliveredAt?.toISOString(), timeline: r.view?.timeline ?? [] }, sloMs, now);
    if (!learned) continue;
    lateOrders += 1;
    if (learned === 'provider') learnedByAsking += 1;
    if (!firstCreatedAt || createdAt < firstCreatedAt) firstCreatedAt = createdAt;
  }
  return { lateOrders, learnedByAsking, ...(firstCreatedAt ? { firstCreatedAt } : {}) };
}
