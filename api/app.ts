import express, { type Express } from 'express';
import { stockLevels } from '../db/stockAlerts';
import { complaintsByStatus, complaintsPastDeadline } from '../db/complaintQueue';
import { openIncidentsByMerchant } from '../db/incidents';
import { ordersByStatus, sittingSince } from '../db/projection';
import { parseDuration } from '../domain/duration';
import { STUCK_AFTER } from '../domain/order';
import { railsOn } from '../config/rails';
import { bearerAuth } from './auth';
import type { ApiDeps } from './deps';
import { errorHandler, notFoundRoute } from './errors';
import { corsFor, guardOrderTokens, jsonBodies, securityHeaders } from './httpGuards';
import { createMetrics } from './metrics';
import { shedLoad } from './loadShed';
import { limitAnonymous } from './rateLimit';
import { complaintRoutes } from './routes/complaints';
import { consoleRoutes } from './routes/console';
import { couponRoutes } from './routes/coupons';
import { evidenceRoutes } from './routes/evidence';
import { feedbackRoutes } from './routes/feedback';
import { incidentRoutes } from './routes/incidents';
import { meRoutes } from './routes/me';
import { merchantRoutes } from './routes/merchants';
import { opsRoutes } from './routes/ops';
import { orderRoutes } from './routes/orders';
import { paymentRoutes } from './routes/payments';
import { productRoutes } from './routes/products';
import { publicReportRoutes } from './routes/publicReport';
import { railRoutes } from './routes/rails';
import { reportRoutes } from './routes/reports';
import { systemRoutes } from './routes/system';

/** Assemble the HTTP API: parsing, auth, the routes of each resource, and contract errors. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  const metrics = createMetrics({
    reportFactsWaiting: () => deps.store.reportInbox.countDocuments(),
    stockLevels: () => stockLevels(deps.store),
    ordersByStatus: () => ordersByStatus(deps.store),
    ordersNeedingAttention: () => deps.store.orderViews.countDocuments({ needsAttention: { $gt: '' } }),
    refundsNeedingAttention: async () =>
      (await deps.store.refundAttention.aggregate<{ _id: string; n: number }>([{ $group: { _id: '$kind', n: { $sum: 1 } } }])).map((r) => ({ kind: r._id, refunds: r.n })),
    webhooksRefused: () => deps.store.outbox.countDocuments({ delivery: 'refused' }),
    webhooksExpired: () => deps.store.outbox.countDocuments({ delivery: 'expired' }),
    ordersStuck: () => deps.store.orderViews.countDocuments(sittingSince(new Date(Date.now() - parseDuration(STUCK_AFTER)))),
    complaintsByStatus: () => complaintsByStatus(deps.store),
    complaintsPastDeadline: () => complaintsPastDeadline(deps.store),
    reservationsSwept: () => deps.store.sweptReservations.countDocuments(),
    incidentsOpen: () => openIncidentsByMerchant(deps.store),
  }, { rails: railsOn(deps.config.rails) });
  app.disable('x-powered-by');
  // Only proxies on private networks may tell us the client's address (rate limits key on it).
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.use(metrics.middleware);
  app.use(securityHeaders());
  app.use(corsFor(deps.config.corsOrigins));
  app.use(systemRoutes(deps, metrics));
  // The console's and the report's static pages: public files, before auth and rate limits.
  app.use(consoleRoutes(deps.config.shopTimeZone, deps.config.rails.publicBaseUrl));
  app.use(bearerAuth(deps.config.apiKeys, deps.store));
  app.use(guardOrderTokens(deps.config.orderTokenFailuresPerHour, deps.logger));
  app.use(shedLoad(deps.config.maxRequestsInFlight));
  const anonymousLimit = limitAnonymous(deps.config.rateLimitPerMinute);
  // Before the JSON parser (the provider's signature is over the raw bytes) and before the
  // anonymous limit, which the route applies once it knows whether the notice is signed.
  app.use(paymentRoutes(deps, anonymousLimit, metrics));
  app.use(railRoutes(deps, anonymousLimit, metrics));
  app.use(anonymousLimit);
  // Files, not JSON: before the JSON parser, which takes nothing else.
  app.use(evidenceRoutes(deps));
  app.use(jsonBodies());
  app.use(meRoutes());
  app.use(merchantRoutes(deps));
  app.use(productRoutes(deps));
  app.use(orderRoutes(deps));
  app.use(feedbackRoutes(deps));
  app.use(opsRoutes(deps));
  app.use(complaintRoutes(deps));
  app.use(reportRoutes(deps));
  app.use(publicReportRoutes(deps));
  app.use(incidentRoutes(deps));
  app.use(couponRoutes(deps));
  app.use(notFoundRoute);
  app.use(
    errorHandler((err, status) => {
      if (status >= 500) deps.logger.error({ err }, 'request failed');
    }),
  );
  metrics.nameRoutes(app);
  return app;
}
