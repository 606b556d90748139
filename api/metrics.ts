import type { Express, RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { COMPLAINT_STATUSES } from '../domain/complaint';
import { DEFAULT_MERCHANT } from '../domain/merchant';
import { ORDER_STATUSES } from '../domain/order';
import type { PaymentMethod } from '../domain/payment';
import { PacedReading } from './pacedReading';
import { routeNamer, type RouteNamer } from './routeTable';

/**
 * What became of a payment notice: handed to its order (`signalled`); for an order that is closed or
 * unknown, a success refunded by its own workflow (`stray`); nothing to do (`ignored`: a failure for
 * a closed order, a provider event that is not a payment); a missing or wrong signature (`refused`,
 * nothing recorded); signed but not a notice we take (`invalid`).
 */
export const NOTICE_OUTCOMES = ['signalled', 'stray', 'ignored', 'refused', 'invalid'] as const;
export type NoticeCounted = (typeof NOTICE_OUTCOMES)[number];

/** What the metrics read from the store when scraped. */
export interface MetricSources {
  /** Facts the report ledger's fold has not reached yet; a count that keeps growing means the fold is not running. */
  reportFactsWaiting(): Promise<number>;
  /** How many orders of each merchant stand in each status: it reads every order row, so it is paced (PacedReading). */
  ordersByStatus(): Promise<{ merchantId: string; status: string; orders: number }[]>;
  /** Each product's available keys, by merchant. */
  stockLevels(): Promise<{ merchantId: string; sku: string; available: number }[]>;
  /** Orders waiting on a person (a refund the provider refused): each needs someone at the provider. */
  ordersNeedingAttention(): Promise<number>;
  /** Refunds the provider refused, waiting on a person, by kind (the order's own, an unwanted payment's, a stray payment's). */
  refundsNeedingAttention(): Promise<{ kind: string; refunds: number }[]>;
  /** Storefront events the storefront refused with a 4xx: kept, not retried. */
  webhooksRefused(): Promise<number>;
  /** Storefront events the storefront took no answer for until the webhook gave up: kept, not retried. */
  webhooksExpired(): Promise<number>;
  /** Orders sitting in a working status longer than /v1/ops/stuck's default (30m). */
  ordersStuck(): Promise<number>;
  /** The agents' queue: complaints not yet closed, by merchant and status. */
  complaintsByStatus(): Promise<{ merchantId: string; status: string; complaints: number }[]>;
  /** Complaints not yet closed that missed a deadline (first response, resolution), by merchant. */
  complaintsPastDeadline(): Promise<{ merchantId: string; sla: 'first_response' | 'resolution'; complaints: number }[]>;
  /** Reserved keys the reservation sweep has returned to stock, ever (each is recorded in the store). */
  reservationsSwept(): Promise<number>;
  /** Incidents open now (declared by ops or opened by the product's watcher), by the merchant they concern (none: platform-wide). */
  incidentsOpen?(): Promise<{ merchantId?: string; incidents: number }[]>;
}

/** The rails whose notices this process takes: each has a series per outcome from the start. */
export interface MetricOptions {
  rails: readonly PaymentMethod[];
}

/** Prometheus metrics of one API process: its runtime, every request by route and status, and the report ledger's backlog. */
export function createMetrics(sources: MetricSources, { rails }: MetricOptions) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Histogram({
    name: 'kamiflow_http_request_duration_seconds',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const paymentNotices = new Counter({
    name: 'kamiflow_payment_notices_total',
    help: 'Payment notices received, by rail and outcome (signalled, stray, ignored, refused, invalid)',
    labelNames: ['rail', 'outcome'],
    registers: [registry],
  });
  // Every series exists from the start at 0, so rate() and alerts see the first notice, not only the second.
  for (const rail of rails) for (const outcome of NOTICE_OUTCOMES) paymentNotices.inc({ rail, outcome }, 0);

  const { incidentsOpen } = sources;
  if (incidentsOpen) {
    new Gauge({
      name: 'kamiflow_incidents_open',
      help: `Incidents open now, declared by ops or opened by the product when paid orders miss the delivery promise, by merchant ("${EVERY_MERCHANT}": platform-wide, every merchant's); /v1/incidents lists them`,
      labelNames: ['merchant'],
      registers: [registry],
      async collect() {
        const open = await incidentsOpen();
        this.reset();
        for (const merchant of [EVERY_MERCHANT, DEFAULT_MERCHANT]) this.set({ merchant }, 0);
        for (const { merchantId, incidents } of open) this.set({ merchant: merchantId ?? EVERY_MERCHANT }, incidents);
      },
    });
  }

  new Gauge({
    name: 'kamiflow_orders_needing_attention',
    help: 'Orders waiting on a person, such as a refund the payment provider refused; /v1/ops/stuck lists them',
    registers: [registry],
    async collect() {
      this.set(await sources.ordersNeedingAttention());
    },
  });

  new Gauge({
    name: 'kamiflow_refunds_needing_attention',
    help: 'Refunds the payment provider refused, asked again hourly until a person settles them; /v1/ops/attention lists them',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      const counted = await sources.refundsNeedingAttention();
      for (const kind of ['order', 'unwanted', 'stray']) this.set({ kind }, counted.find((c) => c.kind === kind)?.refunds ?? 0);
    },
  });

  new Gauge({
    name: 'kamiflow_storefront_webhooks_refused',
    help: 'Storefront events the storefront answered with a 4xx (not retried; kept in the outbox as refused)',
    registers: [registry],
    async collect() {
      this.set(await sources.webhooksRefused());
    },
  });

  new Gauge({
    name: 'kamiflow_storefront_webhooks_expired',
    help: 'Storefront events the storefront did not take within the webhook\'s give-up time (3d; kept in the outbox as expired, not retried)',
    registers: [registry],
    async collect() {
      this.set(await sources.webhooksExpired());
    },
  });

  // A counter kept in the store (every API process reads the same total), so it is set, not incremented, when scraped.
  new Counter({
    name: 'kamiflow_reservations_swept_total',
    help: "Reserved keys returned to stock by the reservation sweep because their order's workflow no longer ran (terminated, reset away, gone)",
    registers: [registry],
    async collect() {
      this.reset();
      this.inc(await sources.reservationsSwept());
    },
  });

  new Gauge({
    name: 'kamiflow_report_facts_waiting',
    help: 'Facts recorded for the complaint ranking and not yet folded into its ledger',
    registers: [registry],
    async collect() {
      this.set(await sources.reportFactsWaiting());
    },
  });

  const orderCounts = new PacedReading(() => sources.ordersByStatus());
  new Gauge({
    name: 'kamiflow_orders',
    help: 'Orders by merchant and status: the outcomes (COMPLETED, REFUNDED, CANCELLED) and where the rest stand; counted at most a tenth of the time (kamiflow_orders_counted_seconds_ago)',
    labelNames: ['merchant', 'status'],
    registers: [registry],
    async collect() {
      const { value } = await orderCounts.get();
      setEveryLabel(this, 'status', ORDER_STATUSES, value.map(({ merchantId, status, orders }) => ({ merchantId, label: status, value: orders })));
    },
  });
  new Gauge({
    name: 'kamiflow_orders_counted_seconds_ago',
    help: 'How old the counts of kamiflow_orders are: a large shop\'s orders are counted less often, so that counting takes at most a tenth of the time',
    registers: [registry],
    async collect() {
      this.set((Date.now() - (await orderCounts.get()).at) / 1000);
    },
  });

  new Gauge({
    name: 'kamiflow_orders_stuck',
    help: 'Orders sitting in a working status (PAID, DELIVERING, OUT_OF_STOCK, REFUND_REQUESTED, REFUNDING) for more than 30 minutes; /v1/ops/stuck lists them',
    registers: [registry],
    async collect() {
      this.set(await sources.ordersStuck());
    },
  });

  new Gauge({
    name: 'kamiflow_complaints_open',
    help: "The agents' queue: complaints not yet closed, by merchant and status",
    labelNames: ['merchant', 'status'],
    registers: [registry],
    async collect() {
      const open = COMPLAINT_STATUSES.filter((status) => status !== 'CLOSED');
      setEveryLabel(this, 'status', open, (await sources.complaintsByStatus()).map(({ merchantId, status, complaints }) => ({ merchantId, label: status, value: complaints })));
    },
  });

  new Gauge({
    name: 'kamiflow_complaints_sla_breached',
    help: 'Complaints not yet closed that missed their first-response or resolution deadline (each breach escalates the complaint), by merchant',
    labelNames: ['merchant', 'sla'],
    registers: [registry],
    async collect() {
      setEveryLabel(this, 'sla', ['first_response', 'resolution'], (await sources.complaintsPastDeadline()).map(({ merchantId, sla, complaints }) => ({ merchantId, label: sla, value: complaints })));
    },
  });

  new Gauge({
    name: 'kamiflow_stock_available',
    help: 'Keys of a product no order holds, by merchant and sku',
    labelNames: ['merchant', 'sku'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { merchantId, sku, available } of await sources.stockLevels()) this.set({ merchant: merchantId, sku }, available);
    },
  });

  // Named once the app has its routes (nameRoutes); until then every request is `unmatched`.
  let routeOf: RouteNamer = () => UNMATCHED;
  const middleware: RequestHandler = (req, res, next) => {
    const stop = requests.startTimer();
    // The path as it arrived: routers strip their mount point from req.url on the way in.
    const path = req.path;
    res.on('finish', () => {
      stop({ method: req.method, route: routeOf(req.method, path, res.statusCode), status: String(res.statusCode) });
    });
    next();
  };
  return {
    registry,
    middleware,
    /** Label requests by the route template they match, from the app's own route table. */
    nameRoutes(app: Express) {
      routeOf = routeNamer(app, UNMATCHED);
    },
    countNotice(rail: PaymentMethod, outcome: NoticeCounted) {
      paymentNotices.inc({ rail, outcome });
    },
  };
}

/**
 * A gauge of counts by merchant and one other label: every value of that label for every merchant
 * counted, and for `default` always, 0 where none stands: a count that empties must read 0, not vanish.
 */
function setEveryLabel<L extends string>(gauge: Gauge<'merchant' | L>, name: L, values: readonly string[], counts: { merchantId: string; label: string; value: number }[]): void {
  const merchants = new Set([DEFAULT_MERCHANT, ...counts.map((c) => c.merchantId)]);
  const of = new Map(counts.map((c) => [`${c.merchantId}\u0000${c.label}`, c.value]));
  gauge.reset();
  for (const merchant of merchants) for (const value of values) gauge.set({ merchant, [name]: value } as Record<'merchant' | L, string>, of.get(`${merchant}\u0000${value}`) ?? 0);
}

/** The merchant label of what concerns every merchant (a platform-wide incident): no merchant id can be it. */
export const EVERY_MERCHANT = '*';

/**
 * The one label of every request no route answers (a 404, a probe): the route template, never the
 * raw path, so ids and scanners cannot grow the label set.
 */
export const UNMATCHED = 'unmatched';

export type Metrics = ReturnType<typeof createMetrics>;
