import { Router } from 'express';
import { addReportNote, publicComplaintReport } from '../../db/report/publicReport';
import { merchantOf, requireRole } from '../auth';
import { findMerchant } from '../../db/merchants';
import { PLATFORM } from '../../db/report/tally';
import { notFound } from '../errors';
import { handle, type ApiDeps } from '../deps';
import { PublicReportQuery, ReportNoteInput } from '../schemas';
import { parse } from '../validate';

/**
 * The month's complaint handling as the shop publishes it: open to anyone (limited per address
 * like buyers), with figures only, never an order id, email or code. The admin adds the notes.
 */
export function publicReportRoutes({ store }: ApiDeps): Router {
  const router = Router();
  router.get(
    '/v1/public/complaint-report',
    handle(async (req, res) => {
      const { month, merchant } = parse(PublicReportQuery, req.query, 'query');
      if (merchant !== undefined && !(await findMerchant(store, merchant))) throw notFound(`merchant ${merchant} does not exist`);
      res.json(await publicComplaintReport(store, month ?? new Date().toISOString().slice(0, 7), merchant ?? PLATFORM));
    }),
  );
  router.post(
    '/v1/public/complaint-report/notes',
    requireRole('admin'),
    handle(async (req, res) => {
      const { month, text } = parse(ReportNoteInput, req.body, 'body');
      res.status(201).json({ month, ...(await addReportNote(store, month, text, merchantOf(req))) });
    }),
  );
  return router;
}
