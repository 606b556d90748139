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
    if (token === undefined) return staffInstead(roles, req, res, next);
    const orderId = req.params.orderId;
    tokenOpens(store, orderId, token)
      .then((opens) => {
        if (opens === undefined) return next(notFound(`order ${orderId} does not exist`));
        if (!opens) return next(forbidden('the order token does not open this order'));
        req.caller = { kind: 'buyer', orderId };
        next();
      })
      .catch(next);
  };
}

/**
 * For routes on one complaint (`:complaintId`): the buyer's order token opens the complaints of
 * that order only; staff of the given roles pass. With `roles` empty, only the buyer may act.
 */
export function requireComplainantOr(store: Store, orderOf: (complaintId: string) => Promise<string | undefined>, ...roles: Role[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const token = req.header('x-order-token');
    if (token === undefined) return staffInstead(roles, req, res, next);
    const complaintId = req.params.complaintId;
    orderOf(complaintId)
      .then(async (orderId) => {
        const opens = orderId === undefined ? undefined : await tokenOpens(store, orderId, token);
        if (opens === undefined) return next(notFound(`complaint ${complaintId} does not exist`));
        if (!opens) return next(forbidden('the order token does not open this complaint'));
        req.caller = { kind: 'buyer', orderId: orderId as string };
        next();
      })
      .catch(next);
  };
}

/** No order token: staff of these roles may pass; with none, the route is the buyer's alone. */
function staffInstead(roles: Role[], req: Request, res: Response, next: NextFunction): void {
  if (roles.length === 0) return next(req.caller ? forbidden('only the buyer, with the order token, can do this') : unauthenticated('the X-Order-Token header is required'));
  return requireRole(...roles)(req, res, next);
}

/** Whether the token is the one issued for the order; undefined when the order does not exist. */
async function tokenOpens(store: Store, orderId: string, token: string): Promise<boolean | undefined> {
  const access = await store.orderAccess.findById(orderId).lean();
  if (!access) return undefined;
  const want = Buffer.from(access.tokenHash, 'hex');
  const got = Buffer.from(hashToken(token), 'hex');
  return timingSafeEqual(want, got);
}
