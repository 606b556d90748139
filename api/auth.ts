import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ApiKey, Role } from '../config';
import type { Store } from '../db/store';
import { hashToken } from '../db/vault';
import { forbidden, notFound, unauthenticated } from './errors';

/** Who is calling: staff with an API key, or the buyer holding one order's token. */
export type Caller = { kind: 'staff'; role: Role; name: string } | { kind: 'buyer'; orderId: string };

declare module 'express-serve-static-core' {
  interface Request {
    caller?: Caller;
  }
}

export function callerOf(req: Request): Caller {
  if (!req.caller) throw unauthenticated();
  return req.caller;
}

/** The name a human action is recorded under in timelines. */
export function actorName(caller: Caller): string {
  return caller.kind === 'staff' ? caller.name : 'buyer';
}

export function bearerAuth(keys: ApiKey[]): RequestHandler {
  const byLength = keys.map((k) => ({ ...k, secretBuf: Buffer.from(k.secret) }));
  return (req, _res, next) => {
    const header = req.header('authorization');
    if (!header) return next();
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match) return next(unauthenticated('the Authorization header must be "Bearer <api key>"'));
    const given = Buffer.from(match[1]);
    const key = byLength.find((k) => k.secretBuf.length === given.length && timingSafeEqual(k.secretBuf, given));
    if (!key) return next(unauthenticated('the API key is not valid'));
    req.caller = { kind: 'staff', role: key.role, name: key.name };
    next();
  };
}

/** Staff of these roles (admin always) may pass. */
export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    const caller = req.caller;
    if (!caller || caller.kind !== 'staff') return next(unauthenticated());
    if (caller.role !== 'admin' && !roles.includes(caller.role)) {
      return next(forbidden(`this needs the role ${roles.join(' or ')}; the key is ${caller.role}`));
    }
    next();
  };
}

/**
 * For routes on one order (`:orderId`): the buyer's order token opens that order only; staff of
 * the given roles pass. With `roles` empty, only the buyer may act.
 */
export function requireBuyerOr(store: Store, ...roles: Role[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const token = req.header('x-order-token');
    if (token === undefined) {
      if (roles.length === 0) return next(req.caller ? forbidden('only the buyer, with the order token, can do this') : unauthenticated('the X-Order-Token header is required'));
      return requireRole(...roles)(req, res, next);
    }
    const orderId = req.params.orderId;
    store.orderAccess
      .findById(orderId)
      .lean()
      .then((access) => {
        if (!access) return next(notFound(`order ${orderId} does not exist`));
        const want = Buffer.from(access.tokenHash, 'hex');
        const got = Buffer.from(hashToken(token), 'hex');
        if (!timingSafeEqual(want, got)) return next(forbidden('the order token does not open this order'));
        req.caller = { kind: 'buyer', orderId };
        next();
      })
      .catch(next);
  };
}
