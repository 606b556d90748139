import type { RequestHandler } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one API process: its runtime and every request by route and status. */
export function createMetrics() {
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
