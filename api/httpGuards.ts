import cors from 'cors';
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import { rateLimit } from 'express-rate-limit';
import type { Logger } from '../config/logger';
import { HttpError } from './errors';

/*
 * What every request passes before a route sees it: security headers, CORS (off unless configured),
 * a body size that fits its route, JSON bodies only, and a brake on guessed order tokens.
 */

/** A key import carries up to 10000 codes of up to 512 characters each; nothing else comes near. */
export const IMPORT_BODY_LIMIT = '8mb';
/** Orders, complaints (5000 characters and 10 pieces of evidence), actions: far below this. */
export const BODY_LIMIT = '256kb';

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
    methods: ['GET', 'POST', 'PUT'],
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
  ];
}

/**
 * A body must say it is JSON. Without this, express leaves an unlabelled body unread and the route
 * would answer about missing fields ("sku Required") instead of the real problem.
 */
const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody || req.is('application/json')) return next();
  const given = req.headers['content-type'];
  next(
    new HttpError(415, 'unsupported_media_type', 'the body must be JSON, sent with Content-Type: application/json', [
      { path: 'Content-Type', reason: given ? `is "${given.slice(0, 100)}"; must be application/json` : 'is missing; must be application/json' },
    ]),
  );
};

/**
 * Order tokens cannot be guessed (192 random bits), but guessing is still slowed and seen: an
 * address that presents more than `perHour` tokens that open nothing gets 429 on every order-token
 * request for the rest of the hour. Each refusal is logged with the address, never the token.
 */
export function guardOrderTokens(perHour: number, logger: Logger): RequestHandler[] {
  const limiter = rateLimit({
    windowMs: 3_600_000,
    limit: perHour,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skip: (req) => req.header('x-order-token') === undefined,
    skipSuccessfulRequests: true,
    requestWasSuccessful: (req) => req.orderTokenRefused !== true,
    handler: (req, _res, next) => {
      logger.warn({ ip: req.ip, method: req.method, path: req.path }, 'order token requests blocked: too many wrong tokens from this address');
      next(new HttpError(429, 'rate_limited', `more than ${perHour} wrong order tokens an hour from this address; try again later`));
    },
  });
  const logRefusals: RequestHandler = (req, res, next) => {
    res.on('finish', () => {
      if (req.orderTokenRefused) logger.warn({ ip: req.ip, method: req.method, path: req.path }, 'order token refused');
    });
    next();
  };
  return [logRefusals, limiter];
}
