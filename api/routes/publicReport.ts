import { Router } from 'express';
import { addReportNote, publicComplaintReport } from '../../db/report/publicReport';
import { merchantOf, requireRole } from '../auth';
import { findMerchant } from '../../db/merchants';
import { PLATFORM } from '../../db/report/tally';
import { notFound } from '../errors';
import { handle, type ApiDeps } from '../deps';
import { MerchantId, PublicReportQuery, ReportNoteInput } from '../schemas';
import { parse } from '../validate';
import { sendPage } from './console';

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
      const named = merchant === undefined ? undefined : await findMerchant(store, merchant);
      if (named === null) throw notFound(`merchant ${merchant} does not exist`);
      const report = await publicComplaintReport(store, month ?? new Date().toISOString().slice(0, 7), merchant ?? PLATFORM);
      // The shop's name for its readers (the id is in the page's address already).
      res.json(named ? { merchant: { merchantId: named.merchantId, name: named.name }, ...report } : report);
    }),
  );
  // The page of one merchant's report. Here, not with the other pages, because it reads the store:
  // behind the anonymous rate limit like the report's own figures.
  router.get(
    '/report/:merchantId',
    handle(async (req, res) => {
      const named = MerchantId.safeParse(req.params.merchantId);
      const merchant = named.success ? await findMerchant(store, named.data) : null;
      if (merchant && sendPage(res, 'report.html')) return;
      // A browser is shown a page saying there is no such merchant; any other client the error.
      if (!merchant && req.accepts(['json', 'html']) === 'html' && sendPage(res, 'report-missing.html', 404)) return;
      const merchantId = parse(MerchantId, req.params.merchantId, 'merchantId');
      throw notFound(merchant ? 'this build serves no pages' : `merchant ${merchantId} does not exist`);
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
