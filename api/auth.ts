import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ApiKey, Role } from '../config';
import type { Store } from '../db/store';
import { orderAccessOf } from '../db/orderAccess';
import { hashToken } from '../db/vault';
import { forbidden, notFound, unauthenticated } from './errors';

/** Who is calling: staff with an API key, or the buyer holding one order's token. */
export type Caller = { kind: 'staff'; role: Role; name: string } | { kind: 'buyer'; orderId: string };

declare module 'express-serve-static-core' {
  interface Request {
    caller?: Caller;
    /** Set when an order token was presented and did not open what it named. */
    orderTokenRefused?: boolean;
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

/**
 * Staff keys from the Authorization header. Every configured key is compared, by digest and in
 * constant time, so neither the answer's timing nor its length says how close a guess came.
 */
export function bearerAuth(keys: ApiKey[]): RequestHandler {
  const digests = keys.map((k) => ({ ...k, digest: sha256(k.secret) }));
  return (req, _res, next) => {
    const header = req.header('authorization');
    if (!header) return next();
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match) return next(unauthenticated('the Authorization header must be "Bearer <api key>"'));
    const given = sha256(match[1]);
    let found: ApiKey | undefined;
    for (const k of digests) if (timingSafeEqual(k.digest, given) && !found) found = k;
    if (!found) return next(unauthenticated('the API key is not valid'));
    req.caller = { kind: 'staff', role: found.role, name: found.name };
    next();
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
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
 * the given roles pass, a storefront only for the orders it created. With `roles` empty, only the
 * buyer may act. Whoever may not see the order hears the same 404 whether it exists or not, so
 * order ids cannot be probed.
 */
export function requireBuyerOr(store: Store, ...roles: Role[]): RequestHandler<{ orderId: string }> {
  return (req: Request<{ orderId: string }>, res: Response, next: NextFunction) => {
    const orderId = req.params.orderId;
    const token = req.header('x-order-token');
    if (token === undefined) {
      return staffInstead(roles, req, res, (err?: unknown) => {
        if (err) return next(err);
        storefrontSees(store, callerOf(req), orderId).then((sees) => next(sees ? undefined : orderNotFound(orderId)), next);
      });
    }
    tokenOpens(store, orderId, token)
      .then((opens) => {
        if (!opens) return next(tokenRefused(req, orderNotFound(orderId)));
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
export function requireComplainantOr(store: Store, orderOf: (complaintId: string) => Promise<string | undefined>, ...roles: Role[]): RequestHandler<{ complaintId: string }> {
  return (req: Request<{ complaintId: string }>, res: Response, next: NextFunction) => {
    const token = req.header('x-order-token');
    if (token === undefined) return staffInstead(roles, req, res, next);
    const complaintId = req.params.complaintId;
    orderOf(complaintId)
      .then(async (orderId) => {
        const opens = orderId !== undefined && (await tokenOpens(store, orderId, token));
        if (!opens) return next(tokenRefused(req, notFound(`complaint ${complaintId} does not exist`)));
        req.caller = { kind: 'buyer', orderId: orderId as string };
        next();
      })
      .catch(next);
  };
}

/** The one answer for an order the caller may not see, whether or not it exists. */
export function orderNotFound(orderId: string) {
  return notFound(`order ${orderId} does not exist`);
}

/** Marks the request as a refused order token, which the token guard counts per address. */
function tokenRefused(req: Request, err: Error): Error {
  req.orderTokenRefused = true;
  return err;
}

/** No order token: staff of these roles may pass; with none, the route is the buyer's alone. */
function staffInstead(roles: Role[], req: Request, res: Response, next: NextFunction): void {
  if (roles.length === 0) return next(req.caller ? forbidden('only the buyer, with the order token, can do this') : unauthenticated('the X-Order-Token header is required'));
  requireRole(...roles)(req, res, next);
}

/** A storefront sees the orders it created; other staff roles see every order. */
async function storefrontSees(store: Store, caller: Caller, orderId: string): Promise<boolean> {
  if (caller.kind !== 'staff' || caller.role !== 'storefront') return true;
  return (await orderAccessOf(store, orderId))?.storefront === caller.name;
}

/** Whether the token is the one issued for the order (false too when the order does not exist). */
async function tokenOpens(store: Store, orderId: string, token: string): Promise<boolean> {
  const access = await orderAccessOf(store, orderId);
  // Hash even when there is no order, so the answer takes as long either way.
  const got = Buffer.from(hashToken(token), 'hex');
  if (!access) return false;
  return timingSafeEqual(Buffer.from(access.tokenHash, 'hex'), got);
}
