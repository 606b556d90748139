import { RetryState } from '@temporalio/common';
import { ActivityFailure, TimeoutFailure, patched } from '@temporalio/workflow';
import { WEBHOOK_GIVE_UP, store, storefront, storefrontForAWhile } from './activities';

/**
 * Carries one outbox entry to the storefront's webhook, retrying until it answers 2xx, for
 * WEBHOOK_GIVE_UP at most: then the entry is kept in the outbox as `expired` and counted, rather
 * than a workflow per event retrying for ever. Its own workflow so a storefront that is down never
 * holds up an order.
 */
export async function storefrontNotificationWorkflow(eventId: string): Promise<void> {
  // Versioned: events carried before the bound keep being asked until the storefront answers.
  if (!patched(WEBHOOK_GIVES_UP)) return storefront.sendStorefrontWebhook({ eventId });
  try {
    await storefrontForAWhile.sendStorefrontWebhook({ eventId });
  } catch (err) {
    const outOfTime = err instanceof ActivityFailure && (err.retryState === RetryState.TIMEOUT || err.cause instanceof TimeoutFailure);
    if (!outOfTime) throw err;
    await store.expireStorefrontWebhook({ eventId, after: WEBHOOK_GIVE_UP });
  }
}

/** Patch ids: each names a change to running notifications' logic, kept until none runs without it. */
const WEBHOOK_GIVES_UP = 'webhook-gives-up';
