import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import express, { Router, type Response } from 'express';
import { KEY_STATUSES } from '../../db/inventory';
import { AGENT_CHANNELS, COMPLAINT_ACTIONS, COMPLAINT_ACTION_FITS, COMPLAINT_CATEGORIES, COMPLAINT_CHANNELS, COMPLAINT_STATUSES } from '../../domain/complaint';
import { EVIDENCE_TYPES, MAX_EVIDENCE_BYTES, MAX_EVIDENCE_FILES } from '../../domain/evidence';
import { INCIDENT_CAUSES, INCIDENT_STATUSES } from '../../domain/incident';
import { ORDER_ACTION_FITS, ORDER_STATUSES } from '../../domain/order';

/**
 * The pages people open in a browser: `/console` for agents, ops and admins, `/report` for the
 * public. Static files only: they call the public API like any other client, so they hold no
 * privilege of their own. Scripts and styles come from this origin alone (no inline code, no
 * eval), which the policy below enforces.
 */
export const PAGE_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** `web/` beside the sources (tsx), beside `dist/` (the built image), or where the process runs (a build elsewhere). */
const WEB_DIR = [resolve(__dirname, '../../web'), resolve(__dirname, '../../../web'), resolve(process.cwd(), 'web')].find((dir) =>
  existsSync(join(dir, 'console.html')),
);

/** Preact, hooks and htm in one ES module with no imports of its own: no bundler needed. */
// htm's exports map names no file path, so find it beside the package's main file (dist/htm.js).
const PREACT = join(dirname(require.resolve('htm')), '..', 'preact', 'standalone.module.js');

/**
 * The tables the API refuses by, as an ES module for the pages: the console offers an action only
 * where this says it fits, so what it offers and what the API takes cannot drift apart.
 */
export const RULES_MODULE = Object.entries({
  ORDER_STATUSES,
  ORDER_ACTION_FITS,
  COMPLAINT_STATUSES,
  COMPLAINT_ACTIONS,
  COMPLAINT_ACTION_FITS,
  COMPLAINT_CATEGORIES,
  COMPLAINT_CHANNELS,
  AGENT_CHANNELS,
  EVIDENCE_TYPES,
  MAX_EVIDENCE_BYTES,
  MAX_EVIDENCE_FILES,
  KEY_STATUSES,
  INCIDENT_CAUSES,
  INCIDENT_STATUSES,
})
  .map(([name, value]) => `export const ${name} = ${JSON.stringify(value)};`)
  .join('\n');

function strict(res: Response): void {
  res.setHeader('Content-Security-Policy', PAGE_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
}

/** One of the pages (web/<file>) under the pages' policy; false in a build that has no pages. */
export function sendPage(res: Response, file: string, status = 200): boolean {
  if (!WEB_DIR || !existsSync(PREACT)) return false;
  strict(res);
  res.setHeader('Cache-Control', 'no-cache');
  res.status(status).sendFile(join(WEB_DIR, file));
  return true;
}

/**
 * `shopTimeZone` (SHOP_TIME_ZONE) goes to the pages beside the rules: a day the console filters by
 * is the shop's day, as the sales dashboard's are, not the day on the browser's calendar. So does
 * `publicBaseUrl` (PUBLIC_BASE_URL), where providers reach the notice addresses the settings page
 * shows: behind a proxy it is not the address the console was opened at.
 */
export function consoleRoutes(shopTimeZone = 'UTC', publicBaseUrl?: string): Router {
  const rules = [
    RULES_MODULE,
    `export const SHOP_TIME_ZONE = ${JSON.stringify(shopTimeZone)};`,
    `export const PUBLIC_BASE_URL = ${JSON.stringify(publicBaseUrl ?? null)};`,
  ].join('\n');
  const router = Router();
  // A build without the pages (compiled elsewhere, web/ not copied) still serves the API.
  if (!WEB_DIR || !existsSync(PREACT)) return router;
  const page = (file: string) => (_req: unknown, res: Response) => sendPage(res, file);
  router.get(['/console', '/console/'], page('console.html'));
  router.get(['/report', '/report/'], page('report.html'));
  router.get('/console/vendor/preact.js', (_req, res) => {
    strict(res);
    res.type('application/javascript').sendFile(PREACT);
  });
  router.get('/console/rules.js', (_req, res) => {
    strict(res);
    res.setHeader('Cache-Control', 'no-cache');
    res.type('application/javascript').send(rules);
  });
  router.get('/favicon.ico', (_req, res) => {
    strict(res);
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.type('image/x-icon').sendFile(join(WEB_DIR, 'favicon.ico'));
  });
  router.use(
    '/console/assets',
    express.static(join(WEB_DIR, 'assets'), {
      fallthrough: true,
      index: false,
      setHeaders: (res) => {
        strict(res);
        res.setHeader('Cache-Control', 'no-cache');
      },
    }),
  );
  return router;
}
