import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { HttpError } from './errors';

/**
 * Buyers and the payment webhook carry no staff key, so they are limited by address; staff keys
 * are trusted. Over the limit is a 429 in the contract's error shape.
 */
export function limitAnonymous(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skip: (req) => req.caller?.kind === 'staff',
    handler: (_req, _res, next) => next(new HttpError(429, 'rate_limited', `more than ${perMinute} requests a minute from this address; try again shortly`)),
  });
}
