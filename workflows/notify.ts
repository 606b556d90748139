import { ParentClosePolicy, startChild, workflowInfo } from '@temporalio/workflow';
import type { Notification } from '../domain/notification';
import { store } from './activities';
import { storefrontNotificationWorkflow } from './notification';

/**
 * Tell the buyer's storefront: keep the event in the outbox (once per event id), and when a webhook
 * is configured, hand it to its own workflow, abandoned on close, so a storefront that is down
 * never holds up the order or complaint that raised it.
 */
export async function tellStorefront(event: Notification): Promise<void> {
  const { webhook } = await store.recordNotification(event);
  if (!webhook) return;
  await startChild(storefrontNotificationWorkflow, {
    args: [event.eventId],
    workflowId: `notify-${event.eventId}`,
    parentClosePolicy: ParentClosePolicy.ABANDON,
    taskQueue: workflowInfo().taskQueue,
  });
}
