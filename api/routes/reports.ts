import { Router } from 'express';
import { complaintReport } from '../../db/report/complaintReport';
import { requireRole } from '../auth';
import { handle, type ApiDeps } from '../deps';
import { badRequest } from '../errors';
import { ReportQuery } from '../schemas';
import { parse } from '../validate';

const DAY_MS = 86_400_000;
/** Without a period, the report covers the last 30 days. */
const DEFAULT_PERIOD_MS = 30 * DAY_MS;
/** The ledger reads a document per day, so a period is bounded: a year and a day at most. */
const LONGEST_PERIOD_MS = 366 * DAY_MS;

export function reportRoutes({ store }: ApiDeps): Router {
  const router = Router();
  router.get(
    '/v1/reports/complaints',
    requireRole('agent', 'ops'),
    handle(async (req, res) => {
      const query = parse(ReportQuery, req.query, 'query');
      const to = query.to ?? new Date();
      const from = query.from ?? new Date(to.getTime() - DEFAULT_PERIOD_MS);
      if (from >= to) throw badRequest('the query is not valid', [{ path: 'from', reason: 'must be before to' }]);
      if (to.getTime() - from.getTime() > LONGEST_PERIOD_MS) {
        throw badRequest('the query is not valid', [{ path: 'from', reason: 'the period may span at most 366 days' }]);
      }
      res.json(await complaintReport(store, { from, to }));
    }),
  );
  return router;
}
