import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import cors from 'cors';
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from '../config/logger';
import { HttpError } from './errors';
import { clientAddress } from './rateLimit';

/*
 * What every request passes before a route sees it: security headers, CORS (off unless configured),
 * a body size that fits its route, JSON bodies only, and a brake on guessed order tokens.
 */

/** A key import carries up to 10000 codes of up to 512 characters each; nothing else comes near. */
export const IMPORT_BODY_LIMIT = '8mb';
/** Orders, complaints (5000 characters and 10 pieces of evidence), actions: far below this. */
export const BODY_LIMIT = '256kb';

/**
 * How long an idle keep-alive connection stays open. Proxies and load balancers keep their idle
 * connections to the API for up to a minute (nginx's upstream keepalive_timeout, set to 50 s in
 * ops/nginx/kamiflow.conf; 60 s at most cloud load balancers) and so do storefronts' HTTP clients: if
 * the API closed one sooner (node's default is 5 s), a request sent on it as it closed would meet a
 * reset, which a proxy answers 502 without trying again for a POST (an order, a payment notice).
 */
export const KEEP_ALIVE_MS = 65_000;

/** helmet's headers (nosniff, frame-ancestors none, HSTS, a same-origin CSP for the pages we serve). */
export function securityHeaders(): RequestHandler {
  return helmet();
}

/**
 * Browsers may call the API cross-origin only from the configured origins; with none configured no
 * CORS header is ever sent, so browsers keep other sites out.
 */
export function corsFor(origins: string[]): RequestHandler {
  if (origins.length === 0) return (_req, _res, next) => next();
  return cors({
    origin: origins,
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Order-Token'],
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    maxAge: 600,
  });
}

/** JSON bodies, each route's limit: the key import's is larger; every other body is small. */
export function jsonBodies(): RequestHandler[] {
  return [
    requireJson,
    (req, res, next) =>
      /^\/v1\/products\/[^/]+\/keys\/?$/.test(req.path) ? express.json({ limit: IMPORT_BODY_LIMIT })(req, res, next) : next(),
    express.json({ limit: BODY_LIMIT }),
    // Express 5 leaves the body undefined when none came: a route names each field it lacks, as for `{}`.
    (req, _res, next) => {
      req.body ??= {};
      next();
    },
  ];
}

/**
 * The content encodings a JSON body may come in. Express 5's parser would also inflate br (and zstd
 * where node has it); the contract takes these three, on every node alike.
 */
const BODY_ENCODINGS = ['identity', 'gzip', 'deflate'];
/** The parser's own failure for an encoding it does not take, so errors.ts answers both alike. */
const UNSUPPORTED_ENCODING = () => Object.assign(new Error('content encoding unsupported'), { status: 415, type: 'encoding.unsupported' });

/**
 * A body must say it is JSON. Without this, express leaves an unlabelled body unread and the route
 * would answer about missing fields ("sku is required") instead of the real problem.
 */
const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  const given = req.headers['content-type'];
  if (hasBody && req.is('application/json')) {
    // JSON between systems is UTF-8 (RFC 8259): a body said to be in another charset is refused,
    // not decoded into something else (one byte "in UTF-16" decodes to nothing, an empty body).
    const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(given ?? '')?.[1];
    if (charset === undefined || /^utf-?8$/i.test(charset)) {
      const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
      return next(BODY_ENCODINGS.includes(encoding) ? undefined : UNSUPPORTED_ENCODING());
    }
    return next(
      new HttpError(415, 'unsupported_media_type', 'the body must be UTF-8 JSON', [{ path: 'Content-Type', reason: `names the charset "${charset.slice(0, 40)}"; only utf-8 is taken` }]),
    );
  }
  if (!hasBody) return next();
  next(
    new HttpError(415, 'unsupported_media_type', 'the body must be JSON, sent with Content-Type: application/json', [
      { path: 'Content-Type', reason: given ? `is "${given.slice(0, 100)}"; must be application/json` : 'is missing; must be application/json' },
    ]),
  );
};

/**
 * Order tokens cannot be guessed (192 random bits), but guessing is still slowed and seen: an
 * address that presents more than `perHour` tokens that open nothing gets 429 on every order-token
 * request for the rest of the hour; an IPv6 address counts as its /56 (clientAddress), so rotating
 * through a block does not start over. Each refusal is logged with the address, never the token.
 * Only refusals are counted, once they are known: counting every request on arrival and taking the
 * right ones back when they finish would block a busy address (a sale's buyers behind one proxy)
 * for the hour as soon as more requests were in flight at once than the limit. Counted per API
 * process, like the anonymous limit (docs/scale.md): N APIs let a guesser N × perHour tries, still
 * nothing against 192 bits.
 */
export function guardOrderTokens(perHour: number, logger: Logger, windowMs = 3_600_000): RequestHandler {
  const refusals = new Map<string, { count: number; until: number }>();
  const current = (ip: string, at: number) => {
    const entry = refusals.get(ip);
    if (entry && entry.until > at) return entry;
    refusals.delete(ip);
    return undefined;
  };
  return (req, res, next) => {
    if (req.header('x-order-token') === undefined) return next();
    const ip = req.ip ?? 'unknown';
    const client = clientAddress(req.ip);
    const entry = current(client, Date.now());
    if (entry && entry.count >= perHour) {
      logger.warn({ ip, method: req.method, path: req.path }, 'order token requests blocked: too many wrong tokens from this address');
      res.setHeader('Retry-After', String(Math.ceil((entry.until - Date.now()) / 1000)));
      return next(new HttpError(429, 'rate_limited', `more than ${perHour} wrong order tokens an hour from this address; try again later`));
    }
    res.on('finish', () => {
      if (!req.orderTokenRefused) return;
      logger.warn({ ip, method: req.method, path: req.path }, 'order token refused');
      const at = Date.now();
      const counted = current(client, at) ?? { count: 0, until: at + windowMs };
      counted.count += 1;
      refusals.set(client, counted);
      // Many guessing addresses: forget the ones whose hour has passed, so the map stays small.
      if (refusals.size > 10_000) for (const [key, e] of refusals) if (e.until <= at) refusals.delete(key);
    });
    next();
  };
}

/**
 * Requests node's HTTP parser refuses before express sees them (headers over 16 KB, malformed
 * HTTP) are answered in the contract's error shape too, instead of node's bare status line.
 */
export function answerUnparsableRequests(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const [status, detail] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, { path: 'headers', reason: 'are larger than the server takes (16 KB in all)' }]
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, { path: '(request)', reason: 'did not arrive in time' }]
          : [400, { path: '(request)', reason: 'is not valid HTTP/1.1' }];
    const body = JSON.stringify({ error: { code: 'invalid_request', message: `the request could not be read: its ${detail.path} ${detail.reason}`, details: [detail] } });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
