import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the metrics read from the store when scraped. */
export interface MetricSources {
  /** Facts the report ledger's fold has not reached yet; a count that keeps growing means the fold is not running. */
  reportFactsWaiting(): Promise<number>;
  /** How many orders stand in each status. */
  ordersByStatus(): Promise<{ status: string; orders: number }[]>;
  /** Each product's available keys. */
  stockLevels(): Promise<{ sku: string; available: number }[]>;
  /** Orders waiting on a person (a refund the provider refused): each needs someone at the provider. */
  ordersNeedingAttention(): Promise<number>;
  /** Storefront events the storefront refused with a 4xx: kept, not retried. */
  webhooksRefused(): Promise<number>;
}

/** Prometheus metrics of one API process: its runtime, every request by route and status, and the report ledger's backlog. */
export function createMetrics(sources: MetricSources) {
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
    help: 'Signed payment notices by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });

  new Gauge({
    name: 'kamiflow_orders_needing_attention',
    help: 'Orders waiting on a person, such as a refund the payment provider refused; /v1/ops/stuck lists them',
    registers: [registry],
    async collect() {
      this.set(await sources.ordersNeedingAttention());
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
    name: 'kamiflow_report_facts_waiting',
    help: 'Facts recorded for the complaint ranking and not yet folded into its ledger',
    registers: [registry],
    async collect() {
      this.set(await sources.reportFactsWaiting());
    },
  });

  new Gauge({
    name: 'kamiflow_orders',
    help: 'Orders by status: the outcomes (COMPLETED, REFUNDED, CANCELLED) and where the rest stand',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { status, orders } of await sources.ordersByStatus()) this.set({ status }, orders);
    },
  });

  new Gauge({
    name: 'kamiflow_stock_available',
    help: 'Keys of a product no order holds, by sku',
    labelNames: ['sku'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { sku, available } of await sources.stockLevels()) this.set({ sku }, available);
    },
  });

  const middleware: RequestHandler = (req, res, next) => {
    const stop = requests.startTimer();
    res.on('finish', () => {
      // The route pattern, not the path, so ids don't explode the label set.
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      stop({ method: req.method, route: `${req.baseUrl}${route}`, status: String(res.statusCode) });
    });
    next();
  };
  return { registry, middleware, paymentNotices };
}

export type Metrics = ReturnType<typeof createMetrics>;
