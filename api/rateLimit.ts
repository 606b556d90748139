import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { HttpError } from './errors';

/**
 * An IPv6 client is its /56, the block a provider hands one home or site: it may take any address
 * inside it at will, so a per-address limit counts the whole block as one address.
 */
export const IPV6_CLIENT_PREFIX = 56;

/** Addresses recently seen and what they count under: a buyer's page polling is one address asking again and again. */
const seenAddresses = new Map<string, string>();
const MOST_SEEN_ADDRESSES = 10_000;

/** What a per-address limit counts under: the IPv4 address, or the IPv6 address's /56 (worked out once per address: parsing one costs more than the rest of a limit's check). */
export function clientAddress(ip: string | undefined): string {
  const address = ip ?? 'unknown';
  let key = seenAddresses.get(address);
  if (key === undefined) {
    key = ipKeyGenerator(address, IPV6_CLIENT_PREFIX);
    if (seenAddresses.size >= MOST_SEEN_ADDRESSES) seenAddresses.clear();
    seenAddresses.set(address, key);
  }
  return key;
}

/**
 * Buyers carry no staff key, so they are limited by address; staff keys are trusted. The payment
 * provider's correctly signed notices are not buyers either: a sale's notices all come from the
 * provider's few addresses, so they pass (the payment route marks them once the signature holds),
 * while a notice with a missing or wrong signature counts against its address like any anonymous
 * request. Over the limit is a 429 in the contract's error shape.
 *
 * Counted in this process's memory, per API process (docs/scale.md): behind a proxy that spreads
 * requests over N APIs, one address may make up to N × perMinute. Shared counts in the store would
 * cost a write per anonymous request, and buyers waiting for their keys poll: the limit would cost
 * more than what it limits.
 */
export function limitAnonymous(perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: ({ ip }) => clientAddress(ip),
    skip: (req, res) => req.caller?.kind === 'staff' || res.locals.signedByProvider === true,
    handler: (_req, _res, next) => next(new HttpError(429, 'rate_limited', `more than ${perMinute} requests a minute from this address; try again shortly`)),
  });
}
