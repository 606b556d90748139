import { ParentClosePolicy, startChild, workflowInfo } from '@temporalio/workflow';
import type { Notification } from '../../domain/notification';
import { store } from './activities';
import { storefrontNotificationWorkflow } from '../notification';

/**
 * Tell the buyer's storefront: keep the event in the outbox (once per event id), and when a webhook
 * is configured, hand it to its own workflow, abandoned on close, so a storefront that is down
 * never holds up the order or complaint that raised it.
 */
export async function tellStorefront(event: Notification): Promise<void> {
  const { webhook } = await store.recordNotification(event);
  if (webhook) await carryToWebhook(event.eventId);
}

/** Hand an outbox entry to its own workflow, which carries it to the storefront's webhook. */
export async function carryToWebhook(eventId: string): Promise<void> {
  await startChild(storefrontNotificationWorkflow, {
    args: [eventId],
    workflowId: `notify-${eventId}`,
    parentClosePolicy: ParentClosePolicy.ABANDON,
    taskQueue: workflowInfo().taskQueue,
  });
}
