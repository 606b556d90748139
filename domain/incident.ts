/**
 * Incidents, as decisions: what an incident is, what it becomes when ops act on it, which orders it
 * touched, when the product opens one by itself, and what the public may see of it. No I/O, no
 * clock, no Temporal: the incident workflow and the API feed these with what they read.
 *
 *   OPEN ─resolve (with a public note)─▶ RESOLVED
 */
import type { CompensationDone } from './compensation';
import { DEFAULT_MERCHANT } from './merchant';
import type { OrderStatus, TimelineEntry } from './order';

export const INCIDENT_CAUSES = ['payment_provider', 'delivery', 'supplier', 'other'] as const;
export type IncidentCause = (typeof INCIDENT_CAUSES)[number];
export const INCIDENT_STATUSES = ['OPEN', 'RESOLVED'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** How long a resolved incident stays on the public status page. */
export const PUBLIC_RESOLVED_FOR_MS = 30 * 24 * 60 * 60 * 1000;
/** The span the product looks back over when it decides whether an outage is going on. */
export const DETECTION_WINDOW_MS = 5 * 60 * 1000;

export interface IncidentInput {
  incidentId: string;
  title: string;
  cause: IncidentCause;
  startedAt: string;
  endedAt?: string;
  publicNote: string;
  /** Who declared it: an ops key's name, or `system` for one the product opened itself. */
  openedBy: string;
  openedAt: string;
  /** Why the product opened it (what its watcher saw): its timeline's first entry. */
  reason?: string;
  /** The merchant whose incident it is (declared by its ops); absent = platform-wide (declared by the platform, or opened by the product). */
  merchantId?: string;
}

export interface IncidentEntry {
  at: string;
  type: string;
  actor: string;
  detail?: string;
}

export interface IncidentView {
  incidentId: string;
  title: string;
  cause: IncidentCause;
  status: IncidentStatus;
  startedAt: string;
  endedAt?: string;
  publicNote: string;
  openedBy: string;
  openedAt: string;
  /** The merchant whose incident it is; absent = platform-wide: every merchant's orders, on every merchant's status. */
  merchantId?: string;
  resolvedAt?: string;
  /** The coupons granted to its buyers (POST /v1/incidents/:id/compensate), once. */
  compensation?: CompensationDone;
  timeline: IncidentEntry[];
}

export function incidentWorkflowId(incidentId: string): string {
  return `incident-${incidentId}`;
}

export function newIncident(input: IncidentInput): IncidentView {
  const { incidentId, title, cause, startedAt, endedAt, publicNote, openedBy, openedAt, reason, merchantId } = input;
  const detail = openedBy === 'system' ? `opened by the product: ${reason ?? title}` : `declared: ${title}`;
  return {
    incidentId,
    title,
    cause,
    status: 'OPEN',
    startedAt,
    ...(endedAt ? { endedAt } : {}),
    publicNote,
    openedBy,
    openedAt,
    ...(merchantId ? { merchantId } : {}),
    timeline: [{ at: openedAt, type: 'opened', actor: openedBy, detail }],
  };
}

/** Why ops may not resolve the incident now, or undefined when they may. */
export function resolveRefusal(incident: IncidentView): string | undefined {
  return incident.status === 'RESOLVED' ? `the incident was resolved at ${incident.resolvedAt}` : undefined;
}

/** The incident resolved with the note the public reads; its window ends now unless ops gave its end. */
export function resolve(incident: IncidentView, publicNote: string, actor: string, at: string): IncidentView {
  return {
    ...incident,
    status: 'RESOLVED',
    publicNote,
    endedAt: incident.endedAt ?? at,
    resolvedAt: at,
    timeline: [...incident.timeline, { at, type: 'resolved', actor, detail: publicNote }],
  };
}

export function noted(incident: IncidentView, entry: IncidentEntry): IncidentView {
  return { ...incident, timeline: [...incident.timeline, entry] };
}

// ── Whose incident it is ────────────────────────────────────────────────────────────────────────

/**
 * Who reads or acts on incidents: staff of one merchant. The operator is the platform's keys and the
 * first shop's own (API_KEYS: the operator runs that shop): it may act on platform-wide incidents.
 */
export interface IncidentStaff {
  merchantId: string;
  operator: boolean;
  /** A platform key: what it declares is platform-wide. */
  platform: boolean;
}

/** Staff as incidents see them: the platform's keys and the first shop's own are the operator. */
export function incidentStaffOf(caller: { role: string; merchantId: string }): IncidentStaff {
  const platform = caller.role === 'platform';
  return { merchantId: caller.merchantId, platform, operator: platform || caller.merchantId === DEFAULT_MERCHANT };
}

/** The merchant an incident declared by these staff belongs to; undefined = platform-wide (the platform's). */
export function declaredFor(staff: IncidentStaff): string | undefined {
  return staff.platform ? undefined : staff.merchantId;
}

/** Whether the incident concerns this merchant: it is that merchant's own, or platform-wide. */
function concerns(incident: Pick<IncidentView, 'merchantId'>, merchantId: string): boolean {
  return incident.merchantId === undefined || incident.merchantId === merchantId;
}

/** A merchant's staff see their merchant's incidents and the platform-wide ones; another merchant's is not there (404). */
export function visibleTo(incident: Pick<IncidentView, 'merchantId'>, staff: IncidentStaff): boolean {
  return concerns(incident, staff.merchantId);
}

/** Why these staff may not reconcile, compensate or resolve it (a platform-wide incident is the operator's), or undefined. */
export function actRefusal(incident: Pick<IncidentView, 'merchantId'>, staff: IncidentStaff): string | undefined {
  return incident.merchantId === undefined && !staff.operator ? 'a platform-wide incident is acted on by the platform' : undefined;
}

/**
 * Whose orders count, as these staff are shown them (or, without staff, as the incident's own
 * workflow reconciles and compensates): a merchant's incident its own; a platform-wide one every
 * merchant's, but each merchant's staff see only theirs. Undefined = every merchant's.
 */
export function ordersOf(incident: Pick<IncidentView, 'merchantId'>, staff?: IncidentStaff): string | undefined {
  return incident.merchantId ?? (staff && !staff.operator ? staff.merchantId : undefined);
}

/** The open incidents that keep the watcher from opening another: platform-wide ones, and the operator's own shop's. */
export function coversOutage(incident: Pick<IncidentView, 'merchantId'>, operatorShop: string): boolean {
  return concerns(incident, operatorShop);
}

// ── Affected orders ─────────────────────────────────────────────────────────────────────────────

export const AFFECTED_REASONS = ['delivered_late', 'undelivered', 'refunded_without_keys', 'cancelled_without_notice'] as const;
export type AffectedReason = (typeof AFFECTED_REASONS)[number];

/** Which ways of being hurt each cause can explain; `other` explains them all. */
const REASONS_BY_CAUSE: Record<IncidentCause, readonly AffectedReason[]> = {
  payment_provider: ['delivered_late', 'undelivered', 'cancelled_without_notice'],
  delivery: ['delivered_late', 'undelivered', 'refunded_without_keys'],
  supplier: ['delivered_late', 'undelivered', 'refunded_without_keys'],
  other: AFFECTED_REASONS,
};

/** What the incident decisions read of an order (its read-model row). */
export interface OrderFacts {
  status: OrderStatus;
  createdAt: string;
  paidAt?: string;
  deliveredAt?: string;
  timeline: Pick<TimelineEntry, 'type'>[];
}

/** The window an incident covers: from its start to its end, or to now while it has none. */
export function windowOf(incident: Pick<IncidentView, 'startedAt' | 'endedAt'>, now: string): { from: string; to: string } {
  return { from: incident.startedAt, to: incident.endedAt ?? now };
}

/**
 * How the order was hurt, judged by the delivery promise (`sloMs` from payment to keys): delivered
 * later than that, paid and still without keys past it, refunded without ever getting keys, or
 * cancelled at its due time with no payment notice. Undefined when it was served as promised.
 */
export function harmOf(order: OrderFacts, sloMs: number, now: string): AffectedReason | undefined {
  const paid = order.paidAt ? Date.parse(order.paidAt) : undefined;
  // Cancelled without its notice and made good since by a reconciliation: still one the incident hurt.
  if (order.timeline.some((e) => e.type === 'payment_found_late')) return 'cancelled_without_notice';
  if (order.status === 'CANCELLED') return order.timeline.some((e) => e.type === 'payment_due') ? 'cancelled_without_notice' : undefined;
  if (paid === undefined) return undefined;
  if (order.deliveredAt) return Date.parse(order.deliveredAt) - paid > sloMs ? 'delivered_late' : undefined;
  if (order.status === 'REFUNDED' || order.status === 'REFUNDING') return 'refunded_without_keys';
  return Date.parse(now) - paid > sloMs ? 'undelivered' : undefined;
}

/** Why the order counts as hurt by this incident (made in its window, hurt in a way its cause explains), or undefined. */
export function affectedBy(incident: Pick<IncidentView, 'cause' | 'startedAt' | 'endedAt'>, order: OrderFacts, sloMs: number, now: string): AffectedReason | undefined {
  const { from, to } = windowOf(incident, now);
  const created = Date.parse(order.createdAt);
  if (created < Date.parse(from) || created > Date.parse(to)) return undefined;
  const harm = harmOf(order, sloMs, now);
  return harm && REASONS_BY_CAUSE[incident.cause].includes(harm) ? harm : undefined;
}

// ── The product opens one itself ────────────────────────────────────────────────────────────────

/**
 * How a paid order that missed the delivery promise learned it was paid: from the provider's notice,
 * or by asking the provider at its due time because no notice came (its timeline says `payment_due`
 * before it was paid).
 */
export type PaymentLearned = 'notice' | 'provider';

/**
 * Whether the watcher counts the order as late, and how it learned of its payment: delivered later
 * than the promise, or paid and still without keys past it. An order an incident's reconciliation
 * made good is that incident's already, never counted again.
 */
export function lateForWatch(order: OrderFacts, sloMs: number, now: string): PaymentLearned | undefined {
  if (order.timeline.some((e) => e.type === 'payment_found_late')) return undefined;
  const harm = harmOf(order, sloMs, now);
  if (harm !== 'delivered_late' && harm !== 'undelivered') return undefined;
  return order.timeline.some((e) => e.type === 'payment_due') ? 'provider' : 'notice';
}

/** What the watcher saw over the last DETECTION_WINDOW_MS. */
export interface DeliveryWatch {
  /** Orders paid (or given keys) in the window that took longer than the promise to get keys, or still have none past it. */
  lateOrders: number;
  /** Of them, those that learned of their payment by asking the provider: their notices never came. */
  learnedByAsking?: number;
  /** When the first of them was made: the incident covers it (a lost notice's order was made long before it showed late). */
  firstCreatedAt?: string;
  /** An incident is open already (declared by ops or opened by the product). */
  openIncident: boolean;
  /**
   * The causes of the open incidents: each explains its kind of late order, so another outage
   * (notices lost while deliveries are slow, or the other way round) still gets an incident of its
   * own. Absent (a watcher's pass recorded before it was told): an open incident explains everything.
   */
  openCauses?: IncidentCause[];
}

const EVERY_CAUSE_EXPLAINED: readonly IncidentCause[] = ['other'];

/** Which late orders each cause explains: those whose notices never came (learned by asking the provider), or those slow to get keys. */
const LATE_ORDERS_EXPLAINED: Record<IncidentCause, readonly PaymentLearned[]> = {
  payment_provider: ['provider'],
  delivery: ['notice'],
  supplier: ['notice'],
  other: ['provider', 'notice'],
};

/**
 * Since when the watcher looks: the last DETECTION_WINDOW_MS, but none paid before the last
 * incident was resolved (they were that incident's, and opening another for them would be two
 * incidents for one outage).
 */
export function watchFrom(now: string, lastResolvedAt?: string): string {
  const windowFrom = Date.parse(now) - DETECTION_WINDOW_MS;
  return new Date(Math.max(windowFrom, lastResolvedAt ? Date.parse(lastResolvedAt) : windowFrom)).toISOString();
}

/**
 * Which incident to open now, if any: with none open, one when enough paid orders missed the promise
 * (its cause what most of them point at); with some open, one more only when enough late orders of
 * a kind no open incident explains have gathered (lost notices during a delivery incident, slow
 * deliveries during a payment one), so one outage never gets two incidents and two outages get two.
 */
export function incidentToOpen(watch: DeliveryWatch, minOrders: number): IncidentCause | undefined {
  if (!watch.openIncident) return watch.lateOrders >= minOrders ? detectedCause(watch) : undefined;
  const explained = new Set((watch.openCauses ?? EVERY_CAUSE_EXPLAINED).flatMap((cause) => LATE_ORDERS_EXPLAINED[cause]));
  const byAsking = watch.learnedByAsking ?? 0;
  if (!explained.has('provider') && byAsking >= minOrders) return 'payment_provider';
  if (!explained.has('notice') && watch.lateOrders - byAsking >= minOrders) return 'delivery';
  return undefined;
}

/**
 * What the product blames: the payment provider when most late orders learned of their payment
 * only by asking it (their notices were lost, so the keys waited for the due time), else delivery.
 */
export function detectedCause(watch: Pick<DeliveryWatch, 'lateOrders' | 'learnedByAsking'>): IncidentCause {
  return (watch.learnedByAsking ?? 0) * 2 > watch.lateOrders ? 'payment_provider' : 'delivery';
}

/** The incident the product opens for late deliveries, from the window's start (or the first late order's making, if earlier). */
export function detectedIncident(incidentId: string, watch: DeliveryWatch, windowFrom: string, at: string, sloMs: number, cause: IncidentCause = detectedCause(watch)): IncidentInput {
  const { lateOrders, learnedByAsking = 0, firstCreatedAt } = watch;
  const slo = `${Math.round(sloMs / 1000)}s`;
  const startedAt = firstCreatedAt && Date.parse(firstCreatedAt) < Date.parse(windowFrom) ? firstCreatedAt : windowFrom;
  const reason = `${lateOrders} paid order(s) waited longer than ${slo} from payment to keys over the last ${DETECTION_WINDOW_MS / 60_000} minutes; ${learnedByAsking} of them learned of their payment only by asking the provider at their due time (no payment notice came)`;
  const told =
    cause === 'payment_provider'
      ? {
          title: `Payment notices are not arriving: ${lateOrders} paid orders waited longer than ${slo} for their keys`,
          publicNote: 'Payment confirmations are arriving late, so some orders take longer than usual to deliver. Every paid order will get its keys or its money back.',
        }
      : {
          title: `Deliveries are slow: ${lateOrders} paid orders waited longer than ${slo} for their keys`,
          publicNote: 'Some orders are taking longer than usual to deliver. We are on it; every paid order will get its keys or its money back.',
        };
  return { incidentId, ...told, cause, startedAt, openedBy: 'system', openedAt: at, reason };
}

// ── What the public sees ────────────────────────────────────────────────────────────────────────

/** An incident as the public status shows it: what happened and when, nothing of who or whom. */
export type PublicIncident = Pick<IncidentView, 'title' | 'cause' | 'status' | 'startedAt' | 'endedAt' | 'publicNote'>;

/**
 * Open incidents and those resolved in the last 30 days, newest first, with only what the shop
 * publishes: no ids, no people, no figures about anyone.
 */
export function publicStatus(incidents: IncidentView[], now: string): { open: PublicIncident[]; resolved: PublicIncident[] } {
  const since = Date.parse(now) - PUBLIC_RESOLVED_FOR_MS;
  const shown = (i: IncidentView): PublicIncident => ({
    title: i.title,
    cause: i.cause,
    status: i.status,
    startedAt: i.startedAt,
    ...(i.endedAt ? { endedAt: i.endedAt } : {}),
    publicNote: i.publicNote,
  });
  const newest = (a: IncidentView, b: IncidentView) => Date.parse(b.startedAt) - Date.parse(a.startedAt);
  return {
    open: incidents.filter((i) => i.status === 'OPEN').sort(newest).map(shown),
    resolved: incidents.filter((i) => i.status === 'RESOLVED' && Date.parse(i.resolvedAt ?? i.startedAt) >= since).sort(newest).map(shown),
  };
}

// ── Reconciliation ──────────────────────────────────────────────────────────────────────────────

export interface FoundPaymentFacts {
  paymentId: string;
  status: 'succeeded' | 'failed';
  amount: { amount: number; currency: string };
  /** When the buyer paid, as the provider says. */
  paidAt?: string;
}

/** The payment the provider holds for an order cancelled without its notice: a success of the order's amount, if any. */
export function paymentToMakeGood(found: FoundPaymentFacts[], amount: { amount: number; currency: string }): FoundPaymentFacts | undefined {
  return found.find((p) => p.status === 'succeeded' && p.amount.amount === amount.amount && p.amount.currency === amount.currency);
}

/** `needs_person`: paid at the provider, but the order can no longer be revived here (its workflow is gone); ops settle it by hand. */
export type ReconcileOutcome = 'made_good' | 'not_paid' | 'already_handled' | 'needs_person';

/** One line of the incident's timeline for a reconciliation pass. */
export function reconcileSummary(outcomes: ReconcileOutcome[]): string {
  const count = (o: ReconcileOutcome) => outcomes.filter((x) => x === o).length;
  return `${outcomes.length} order(s) cancelled without a payment notice asked at their provider: ${count('made_good')} paid there and made good, ${count('not_paid')} not paid, ${count('already_handled')} already handled${count('needs_person') ? `, ${count('needs_person')} paid there but need a person` : ''}`;
}
