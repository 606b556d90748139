import type { ErrorRequestHandler, RequestHandler } from 'express';
import { mongo } from 'mongoose';
import { ZodError } from 'zod';

export interface ErrorDetail {
  path: string;
  reason: string;
}

/** An answer other than success, in the contract's shape: {"error": {code, message, details}}. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, details: ErrorDetail[] = []) => new HttpError(400, 'invalid_request', message, details);
export const unauthenticated = (message = 'a valid API key or order token is required') => new HttpError(401, 'unauthenticated', message);
export const forbidden = (message: string) => new HttpError(403, 'forbidden', message);
export const notFound = (message: string) => new HttpError(404, 'not_found', message);
export const conflict = (message: string, extra: Record<string, unknown> = {}) => new HttpError(409, 'conflict', message, [], extra);
/** A product switched off takes no new order (orders already taken carry on). */
export const productUnavailable = (sku: string) => new HttpError(409, 'product_unavailable', `product ${sku} is not on sale now; it takes no new orders`);
/** A coupon that does not apply to the order: `reason` names why (domain/coupons.ts COUPON_REFUSALS). */
export const couponNotApplicable = (message: string, reason: string) => new HttpError(409, 'coupon_not_applicable', message, [{ path: 'coupon', reason }], { reason });
export const merchantSuspended = (merchantId: string) => new HttpError(409, 'merchant_suspended', `merchant ${merchantId} is suspended; it takes no new orders`);
export const unavailable = (message: string) => new HttpError(503, 'unavailable', message);

/** One entry per bad field; an unknown field is named by its own path, not its parent's. */
export function zodDetails(err: ZodError): ErrorDetail[] {
  return err.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: pathOf([...issue.path, key]), reason: 'is not a known field' }))
      : [{ path: pathOf(issue.path) || '(body)', reason: issue.message }],
  );
}

/** `buyer.email`; a key that is the empty string shows as `""`, so every detail names something. */
function pathOf(segments: PropertyKey[]): string {
  return segments.map((s) => (s === '' ? '""' : String(s))).join('.');
}

export const notFoundRoute: RequestHandler = (req, _res, next) => next(notFound(`no route ${req.method} ${req.path}`));

/**
 * The last middleware: every failure becomes a contract error. Bad input is a 4xx; an unreachable
 * dependency is a 503; anything else is a 500 whose message reveals nothing.
 */
export function errorHandler(log: (err: unknown, status: number) => void): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const http = toHttpError(err);
    log(err, http.status);
    res.status(http.status).json({ error: { code: http.code, message: http.message, details: http.details, ...http.extra } });
  };
}

export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof ZodError) return badRequest('the request is not valid', zodDetails(err));
  const e = err as { type?: string; status?: number; name?: string; message?: string };
  // body-parser's own failures: malformed JSON, a body too large, an unsupported encoding.
  if (e.type === 'entity.parse.failed') return badRequest('the body is not valid JSON', [{ path: '(body)', reason: 'malformed JSON' }]);
  if (e.type === 'entity.too.large') {
    const limit = (err as { limit?: number }).limit;
    return new HttpError(413, 'payload_too_large', `the body is too large${limit ? ` (at most ${limit} bytes on this route)` : ''}`);
  }
  if (e.type === 'charset.unsupported') {
    return new HttpError(415, 'unsupported_media_type', 'the body must be UTF-8 JSON', [{ path: 'Content-Type', reason: `names the charset "${(err as { charset?: string }).charset ?? '?'}"; only utf-8 is taken` }]);
  }
  if (e.type === 'encoding.unsupported') {
    return new HttpError(415, 'unsupported_media_type', 'the body is in a content encoding this API does not take', [{ path: 'Content-Encoding', reason: 'must be gzip, deflate or identity (or absent)' }]);
  }
  // Express could not decode a percent-encoded path parameter.
  if (err instanceof URIError && e.status === 400) return badRequest('the path is not valid', [{ path: 'path', reason: 'has malformed percent-encoding' }]);
  // Any other request the parsers could not read (a body cut short, one that does not inflate): the body is named.
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return new HttpError(e.status, 'invalid_request', e.message ?? 'bad request', [{ path: '(body)', reason: e.message ?? 'could not be read' }]);
  if (isUnavailable(err)) return unavailable('a dependency (Temporal or the database) is unreachable; try again');
  return new HttpError(500, 'internal', 'something went wrong on our side; it has been logged');
}

/**
 * Temporal or the store cannot be reached. Every network failure of the store's driver is one
 * (a connection cut mid-request, a timeout, a pool cleared after the store restarted), not only
 * those it names so: a request caught by a restart is told to come back, not that we failed.
 */
function isUnavailable(err: unknown): boolean {
  const e = err as { name?: string; code?: number | string; message?: string };
  return (
    err instanceof mongo.MongoNetworkError ||
    err instanceof mongo.MongoServerSelectionError ||
    err instanceof mongo.MongoNotConnectedError ||
    err instanceof mongo.MongoTopologyClosedError ||
    e.name === 'ServiceError' ||
    e.name === 'MongoServerSelectionError' ||
    e.name === 'MongoNetworkError' ||
    e.name === 'MongoNotConnectedError' ||
    e.code === 14 /* gRPC UNAVAILABLE */ ||
    e.code === 4 /* gRPC DEADLINE_EXCEEDED */
  );
}
