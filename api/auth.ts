import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ApiKey, KeyRole, Role } from '../config';
import { findMerchant, keyOfSecret } from '../db/merchants';
import type { Store } from '../db/store';
import { orderAccessOf } from '../db/orderAccess';
import { hashToken } from '../db/vault';
import { DEFAULT_MERCHANT, MERCHANT_ID, merchantOr } from '../domain/merchant';
import { badRequest, forbidden, notFound, unauthenticated } from './errors';

/**
 * Who is calling: staff with an API key, or the buyer holding one order's token. Staff act for one
 * merchant: their key's, or for the platform's keys the one `X-Merchant` names (`default` without it).
 */
export type Caller = { kind: 'staff'; role: KeyRole; name: string; merchantId: string; keyId?: string } | { kind: 'buyer'; orderId: string };

/** The header a platform key names the merchant it acts for with. */
export const MERCHANT_HEADER = 'x-merchant';

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
 * Staff keys from the Authorization header. Every configured key (API_KEYS: the merchant `default`'s
 * and the platform's) is compared, by digest and in constant time, so neither the answer's timing nor
 * its length says how close a guess came. A key no entry matches may be one the platform issued a
 * merchant (db/merchants.ts), looked up in the store on each request so a revoked one stops at once.
 */
export function bearerAuth(keys: ApiKey[], store: Store): RequestHandler {
  const digests = keys.map((k) => ({ ...k, digest: sha256(k.secret) }));
  return (req, _res, next) => {
    const header = req.header('authorization');
    if (!header) return next();
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match) return next(unauthenticated('the Authorization header must be "Bearer <api key>"'));
    const given = sha256(match[1]);
    let found: ApiKey | undefined;
    for (const k of digests) if (timingSafeEqual(k.digest, given) && !found) found = k;
    if (found?.role === 'platform') {
      return platformCaller(store, found.name, req.header(MERCHANT_HEADER)).then((caller) => {
        req.caller = caller;
        next();
      }, next);
    }
    if (found) {
      req.caller = { kind: 'staff', role: found.role, name: found.name, merchantId: DEFAULT_MERCHANT };
      return next();
    }
    keyOfSecret(store, match[1]).then((key) => {
      if (!key) return next(unauthenticated('the API key is not valid'));
      req.caller = { kind: 'staff', role: key.role, name: key.name, merchantId: key.merchantId, keyId: key._id };
      next();
    }, next);
  };
}

/** A platform key, acting for the merchant X-Merchant names (`default` without one). */
async function platformCaller(store: Store, name: string, named: string | undefined): Promise<Caller> {
  const merchantId = named ?? DEFAULT_MERCHANT;
  if (!MERCHANT_ID.test(merchantId)) throw badRequest(`${MERCHANT_HEADER} is not a merchant id`, [{ path: MERCHANT_HEADER, reason: 'must be 3-40 lower-case letters, digits or "-"' }]);
  if (!(await findMerchant(store, merchantId))) throw notFound(`merchant ${merchantId} does not exist`);
  return { kind: 'staff', role: 'platform', name, merchantId };
}

/** The merchant staff act for; a buyer acts for none. */
export function merchantOf(req: Request): string {
  const caller = callerOf(req);
  if (caller.kind !== 'staff') throw unauthenticated('an API key is required');
  return caller.merchantId;
}

/** The platform's keys only. */
export function requirePlatform(): RequestHandler {
  return (req, _res, next) => {
    const caller = req.caller;
    if (!caller || caller.kind !== 'staff') return next(unauthenticated());
    if (caller.role !== 'platform') return next(forbidden(`this needs a platform key; the key is ${caller.role}`));
    next();
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Staff of these roles (admin always, and the platform as the admin of the merchant it acts for) may pass. */
/**
 * Features the platform's first shop (`default`) alone has in this release (coupons):
 * to any other merchant they are not there, as another merchant's things are not.
 */
export function requireDefaultMerchant(what: string): RequestHandler {
  return (req, _res, next) => {
    const caller = req.caller;
    if (caller?.kind === 'staff' && caller.merchantId !== DEFAULT_MERCHANT) return next(notFound(`${what} are not offered to merchant ${caller.merchantId} yet`));
    next();
  };
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    const caller = req.caller;
    if (!caller || caller.kind !== 'staff') return next(unauthenticated());
    if (caller.role !== 'admin' && caller.role !== 'platform' && !roles.includes(caller.role)) {
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
        staffSees(store, callerOf(req), orderId).then((sees) => next(sees ? undefined : orderNotFound(orderId)), next);
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
    const complaintId = req.params.complaintId;
    if (token === undefined) {
      return staffInstead(roles, req, res, (err?: unknown) => {
        if (err) return next(err);
        complaintSeen(store, orderOf, callerOf(req), complaintId).then(next, next);
      });
    }
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

/**
 * Staff see the orders of their merchant only; a storefront sees the orders it created. An order
 * not taken yet is for the route to answer (a 404 all the same).
 */
async function staffSees(store: Store, caller: Caller, orderId: string): Promise<boolean> {
  if (caller.kind !== 'staff') return true;
  const access = await orderAccessOf(store, orderId);
  if (caller.role === 'storefront') return access?.storefront === caller.name && merchantOr(access.merchantId) === caller.merchantId;
  return !access || merchantOr(access.merchantId) === caller.merchantId;
}

/** For staff routes on one order (`:orderId`) that no buyer may use: another merchant's order is not there. */
export function requireOwnOrder(store: Store): RequestHandler<{ orderId: string }> {
  return (req: Request<{ orderId: string }>, _res: Response, next: NextFunction) => {
    staffSees(store, callerOf(req), req.params.orderId).then((sees) => next(sees ? undefined : orderNotFound(req.params.orderId)), next);
  };
}

/** Answers 404 for an order of another merchant than the caller's: a check for an order named in a body. */
export async function refuseOthersOrder(store: Store, caller: Caller, orderId: string): Promise<void> {
  if (!(await staffSees(store, caller, orderId))) throw orderNotFound(orderId);
}

/** Staff on a complaint (`:complaintId`): it must be of an order of their merchant, else it is not there. */
async function complaintSeen(store: Store, orderOf: (complaintId: string) => Promise<string | undefined>, caller: Caller, complaintId: string): Promise<void> {
  const orderId = await orderOf(complaintId);
  if (orderId === undefined || caller.kind !== 'staff') return;
  const access = await orderAccessOf(store, orderId);
  if (access && merchantOr(access.merchantId) !== caller.merchantId) throw notFound(`complaint ${complaintId} does not exist`);
}

/** For staff routes on one complaint that no buyer may use (an agent's action). */
export function requireOwnComplaint(store: Store, orderOf: (complaintId: string) => Promise<string | undefined>): RequestHandler<{ complaintId: string }> {
  return (req: Request<{ complaintId: string }>, _res: Response, next: NextFunction) => {
    complaintSeen(store, orderOf, callerOf(req), req.params.complaintId).then(next, next);
  };
}

/** Whether the token is the one issued for the order (false too when the order does not exist). */
async function tokenOpens(store: Store, orderId: string, token: string): Promise<boolean> {
  const access = await orderAccessOf(store, orderId);
  // Hash even when there is no order, so the answer takes as long either way.
  const got = Buffer.from(hashToken(token), 'hex');
  if (!access) return false;
  return timingSafeEqual(Buffer.from(access.tokenHash, 'hex'), got);
}
