import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { PROVIDER_REPLY_REFUSED } from '../domain/providerReply';

/*
 * Retry policies say how patient each kind of work is. Nothing that touches money or keys gives up:
 * a paid order must end delivered or refunded, so its activities retry until the world answers,
 * and ops see them as pending activities with their attempt count.
 */

/** Our own store: quick, and retried until it is back. */
export const store = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/**
 * The same store writes as local activities: run by the worker that runs the workflow, recorded in
 * its history as a marker, with no trip through the server's task queues. An order's short store
 * steps (reserve, mark, project, outbox) take milliseconds, and a queue trip costs more than the
 * write; only orders begun on the short path use these (see OrderRecord.shortPath).
 */
export const localStore = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/**
 * A key's check made locally (a product without a supplier: our own store's checks only): retried
 * like the store, except that a verdict of "not ours to check" (the key gone, not held, the product
 * deleted) is final, as for the supplier's check.
 */
export const localChecks = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: ['UnknownKey', 'KeyNotHeld', 'UnknownProduct'] },
});

/*
 * No heartbeat timeout on the outside world's calls: they beat only while an HTTP call is out, not
 * while they read our store first, so under a slow store a 5 s heartbeat timeout failed attempts
 * that were working and their retries added to the load. startToClose bounds each attempt instead.
 */

/** The supplier's validity check: an error or timeout is not a verdict, so back off and ask again. */
export const supplier = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '2m',
    nonRetryableErrorTypes: ['UnknownKey', 'KeyNotHeld', 'UnknownProduct'],
  },
});

/**
 * A key_invalid complaint's re-check of its keys: asked at once and again with backoff while the
 * supplier errors, for `withinMs` (AUTO_RECHECK_WAIT) at most, after which the agents take it.
 */
export function recheckWithin(withinMs: number) {
  return proxyActivities<Activities>({
    startToCloseTimeout: withinMs,
    scheduleToCloseTimeout: withinMs,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', nonRetryableErrorTypes: ['UnknownProduct', 'NothingToRecheck'] },
  });
}

/** The payment provider: refunds and reconciliation, idempotent by refund id. */
export const provider = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '2m' },
});

/**
 * How long one reply to a provider's complaint (WeChat Pay 消费者投诉2.0) is tried; each is sent
 * under its own activity id (the reply's id). It touches no money or keys, so unlike `provider` it
 * gives up: a refusal (a 4xx, not 408/429) at once, a provider down or unreachable after 2 hours.
 * WeChat Pay wants the merchant's first answer within 24 h of the complaint and the complaint
 * handled within 72 h (its merchant guide, kf.qq.com), so after 2 hours of a failing provider the
 * agents, told by the complaint, still have most of a day to answer in the merchant console; and the
 * complaint, which waits for its replies before it ends, is held no longer. Each attempt may read
 * the complaint's history and post: two calls of OUTBOUND_HTTP_TIMEOUT (10 s) each, within 1 m.
 */
export const PROVIDER_REPLY_GIVE_UP = '2h';

/** See PROVIDER_REPLY_GIVE_UP. */
export function providerReply(activityId: string) {
  return proxyActivities<Activities>({
    activityId,
    startToCloseTimeout: '1m',
    scheduleToCloseTimeout: PROVIDER_REPLY_GIVE_UP,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10m', nonRetryableErrorTypes: [PROVIDER_REPLY_REFUSED] },
  });
}

/** The buyer's checkout at the order's rail: asked again soon, since a buyer waits to pay. */
export const checkouts = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '15s' },
});

/** Closing a cancelled order at its provider: worth a few tries for a few minutes, never worth holding the order open. */
export const closing = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: '5m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8 },
});

/** The storefront's webhook receiver, which may be down for a while (events carried before WEBHOOK_GIVE_UP: for ever). */
export const storefront = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '10m' },
});

/** How long an event is carried to a storefront that does not take it before it is kept as `expired`. */
export const WEBHOOK_GIVE_UP = '3d';

/** The storefront's webhook receiver, down for a while but not for ever: asked until WEBHOOK_GIVE_UP. */
export const storefrontForAWhile = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: WEBHOOK_GIVE_UP,
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '10m' },
});

/**
 * The reservation sweep's pass (workflows/reservationSweep.ts): a read of the old reservations and
 * a question to Temporal per order, minutes at most; a pass that fails is simply run again.
 */
export const sweeps = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** How long a buyer's email is tried on a mail server that does not take it before it is dropped (kept as `expired`). */
export const EMAIL_GIVE_UP = '3d';

/** The mail server, which may be down for a while: asked again with backoff until EMAIL_GIVE_UP. */
export const mail = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  scheduleToCloseTimeout: EMAIL_GIVE_UP,
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '10m', nonRetryableErrorTypes: ['UnknownOrder', 'BadEmailEvent'] },
});

/** The report ledger's fold: long batches that heartbeat, and a run that dies is simply run again. */
export const ledger = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/**
 * A restock owner's pass over a sku's waiting orders: each order answers its offer in seconds, a
 * long list takes a while, so the pass beats and a dead worker's pass is taken up again within a
 * minute (from the read model: the orders it already resumed have left the list).
 */
export const restocking = proxyActivities<Activities>({
  startToCloseTimeout: '1h',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});
