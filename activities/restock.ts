import { waitingForStock } from '../db/merchants';
import { Context, heartbeat } from '@temporalio/activity';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Store } from '../db/store';
import { orderWorkflowId } from '../domain/order';
import { NO_PASS, countOffer, outcomeOfAnswer, type OfferOutcome, type RestockPass } from '../domain/restock';
import { CONFLICT, offerRestock } from '../workflows/messages';
import type { ActivityDeps } from './deps';

/**
 * How long one waiting order gets to answer its offer (it answers once it has tried to take its
 * keys, supplier checks included). Past it the pass moves on; the order still takes the offer, and
 * the next order may find the stock taken first.
 */
const ANSWER_WITHIN_MS = 30_000;
/** Beat this often while an order thinks: the activity's heartbeat timeout is a minute. */
const BEAT_EVERY_MS = 10_000;

/** The offer's steps, given the client that reaches the orders (the worker's own, in production). */
export interface RestockDeps {
  store: Store;
  client: () => Client;
  /** Keys of the sku no order holds, counted no further than `upTo` (the inventory's look). */
  countAvailableKeys: (args: { sku: string; upTo?: number }) => Promise<number>;
  warn?: (fields: object, message: string) => void;
}

/** The paid orders waiting for a sku's stock, oldest payment first, as the read model lists them. */
export async function ordersWaitingForStock(store: Store, sku: string): Promise<string[]> {
  const waiting = await store.orderViews.find(waitingForStock(sku), { _id: 1 }).sort({ paidAt: 1, _id: 1 }).lean();
  return waiting.map((o) => o._id);
}

/**
 * Offer a sku's stock to the orders waiting for it, one at a time, oldest payment first: each
 * answers once it has tried to take its keys, so the next one sees what is left. Stops once no key
 * is left. Safe to run again (a retried activity, a second import): an order that took its keys has
 * left the list, and an offer to one that no longer waits is refused and counted as such.
 */
export async function offerStockToWaitingOrders(deps: RestockDeps, sku: string, beat: (details: unknown) => void = () => undefined): Promise<RestockPass> {
  const waiting = await ordersWaitingForStock(deps.store, sku);
  let pass: RestockPass = { ...NO_PASS, waiting: waiting.length };
  for (const orderId of waiting) {
    if ((await deps.countAvailableKeys({ sku, upTo: 1 })) === 0) return { ...pass, stockRanOut: true };
    beat(pass);
    const outcome = await offerTo(deps, orderId, beat, pass);
    if (outcome === 'unanswered') deps.warn?.({ sku, orderId }, 'a waiting order did not answer its restock offer in time; it looks at the stock by itself');
    pass = countOffer(pass, outcome);
  }
  return pass;
}

/** Refusals while the read model still shows the order waiting, asked again before the order counts as no longer waiting. */
const REFUSED_WHILE_LISTED_TRIES = 5;
const ASK_AGAIN_AFTER_MS = 1_000;

/**
 * The read model can run ahead of the order's workflow: the step that moved it to OUT_OF_STOCK is
 * written from inside a workflow task, and a task that failed after that write (a worker killed, a
 * task timed out) is run again before the workflow itself is there. An order that refuses while
 * still listed as waiting is asked again a few times, so the offer is not lost to that moment.
 */
async function offerTo(deps: RestockDeps, orderId: string, beat: (details: unknown) => void, pass: RestockPass): Promise<OfferOutcome> {
  for (let tries = 1; ; tries++) {
    const outcome = await offerOnce(deps, orderId, beat, pass);
    if (outcome !== 'no_longer_waiting' || tries >= REFUSED_WHILE_LISTED_TRIES) return outcome;
    const now = await deps.store.orderViews.findById(orderId, { status: 1 }).lean();
    if (now?.status !== 'OUT_OF_STOCK') return outcome;
    await new Promise((resolve) => setTimeout(resolve, ASK_AGAIN_AFTER_MS));
  }
}

async function offerOnce(deps: RestockDeps, orderId: string, beat: (details: unknown) => void, pass: RestockPass): Promise<OfferOutcome> {
  const client = deps.client();
  const beating = setInterval(() => beat(pass), BEAT_EVERY_MS);
  try {
    const answer = await client.withDeadline(Date.now() + ANSWER_WITHIN_MS, () => client.workflow.getHandle(orderWorkflowId(orderId)).executeUpdate(offerRestock, { args: [] }));
    return outcomeOfAnswer(answer.status);
  } catch (err) {
    // Refused (its validator: not OUT_OF_STOCK any more) or closed since the read model was written.
    if (err instanceof WorkflowNotFoundError) return 'no_longer_waiting';
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === CONFLICT) return 'no_longer_waiting';
    // Whatever else went wrong, the read model tells whether the order still waits.
    const now = await deps.store.orderViews.findById(orderId, { status: 1 }).lean();
    return now?.status === 'OUT_OF_STOCK' ? 'unanswered' : 'no_longer_waiting';
  } finally {
    clearInterval(beating);
  }
}

export function restockActivities({ store, logger }: ActivityDeps, countAvailableKeys: RestockDeps['countAvailableKeys']) {
  const deps: RestockDeps = { store, countAvailableKeys, client: () => Context.current().client, warn: (fields, message) => logger.warn(fields, message) };
  return {
    /** One pass of a sku's restock owner over the orders waiting for that sku (see offerStockToWaitingOrders). */
    async offerStockToWaitingOrders({ sku }: { sku: string }): Promise<RestockPass> {
      return offerStockToWaitingOrders(deps, sku, (details) => heartbeat(details));
    },
  };
}
