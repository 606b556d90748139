import { Router } from 'express';
import { dayIn } from '../../domain/calendar';
import { complaintReport } from '../../db/report/complaintReport';
import { feedbackBySku } from '../../domain/feedback';
import { salesReport } from '../../db/report/salesReport';
import { merchantOf, requirePlatform, requireRole } from '../auth';
import { listMerchants } from '../../db/merchants';
import { merchantRanking } from '../../db/report/ranking';
import { inMerchant } from '../../db/merchants';
import { handle, type ApiDeps } from '../deps';
import { badRequest } from '../errors';
import { ReportQuery, SalesReportQuery } from '../schemas';
import { parse } from '../validate';

const DAY_MS = 86_400_000;
/** Without a period, the report covers the last 30 days. */
const DEFAULT_PERIOD_MS = 30 * DAY_MS;
/** The ledger reads a document per day, so a period is bounded: a year and a day at most. */
const LONGEST_PERIOD_MS = 366 * DAY_MS;
const LONGEST_PERIOD_DAYS = 366;

/** The period a report's query asks for: `from`/`to`, by default the last 30 days, at most 366. */
function periodOf(rawQuery: unknown): { from: Date; to: Date } {
  const query = parse(ReportQuery, rawQuery, 'query');
  const to = query.to ?? new Date();
  const from = query.from ?? new Date(to.getTime() - DEFAULT_PERIOD_MS);
  if (from >= to) throw badRequest('the query is not valid', [{ path: 'from', reason: 'must be before to' }]);
  if (to.getTime() - from.getTime() > LONGEST_PERIOD_MS) {
    throw badRequest('the query is not valid', [{ path: 'from', reason: 'the period may span at most 366 days' }]);
  }
  return { from, to };
}

export function reportRoutes({ store, config }: ApiDeps): Router {
  const router = Router();
  router.get(
    '/v1/reports/complaints',
    requireRole('agent', 'ops'),
    handle(async (req, res) => {
      res.json(await complaintReport(store, periodOf(req.query), merchantOf(req)));
    }),
  );
  router.get(
    '/v1/reports/feedback',
    requireRole('agent', 'ops'),
    handle(async (req, res) => {
      const { from, to } = periodOf(req.query);
      const rows = await store.feedback.find({ ...inMerchant(merchantOf(req)), at: { $gte: from, $lt: to } }, { sku: 1, rating: 1, instructionsClear: 1 }).lean();
      res.json({ period: { from: from.toISOString(), to: to.toISOString() }, bySku: feedbackBySku(rows) });
    }),
  );

  router.get(
    '/v1/platform/ranking',
    requirePlatform(),
    handle(async (req, res) => {
      res.json({ items: await merchantRanking(store, periodOf(req.query), await listMerchants(store)) });
    }),
  );

  router.get(
    '/v1/reports/sales',
    requireRole('ops'),
    handle(async (req, res) => {
      const query = parse(SalesReportQuery, req.query, 'query');
      const timeZone = config.shopTimeZone;
      const last = query.to ?? dayIn(Date.now(), timeZone);
      // 30 days ending with the last: counted back on the calendar, so a daylight-saving change does not shift it.
      const first = query.from ?? new Date(Date.parse(`${last}T00:00:00Z`) - (DEFAULT_PERIOD_MS - DAY_MS)).toISOString().slice(0, 10);
      if (first > last) throw badRequest('the query is not valid', [{ path: 'from', reason: 'must not be after to' }]);
      if ((Date.parse(`${last}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`)) / DAY_MS + 1 > LONGEST_PERIOD_DAYS) {
        throw badRequest('the query is not valid', [{ path: 'from', reason: `the period may span at most ${LONGEST_PERIOD_DAYS} days` }]);
      }
      // With nothing sold, the figures are in the catalog's currency.
      const merchantId = merchantOf(req);
      const product = await store.products.findOne(inMerchant(merchantId), { price: 1 }).lean();
      res.json(await salesReport(store, { first, last, timeZone, currency: product?.price.currency ?? 'CNY', merchantId }));
    }),
  );
  return router;
}
