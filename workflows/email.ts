import { RetryState, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ActivityFailure, ParentClosePolicy, TimeoutFailure, startChild, workflowInfo } from '@temporalio/workflow';
import type { BuyerEmailEvent } from '../domain/buyerEmail';
import { mail } from './activities';

/**
 * Email the buyer about an event, from an order's or a complaint's workflow: the email gets a
 * workflow of its own, abandoned when the caller closes, so a mail server that is down delays the
 * email and never the order or complaint. The event carries ids only; the address and any code are
 * read where the email is written (activities/email.ts).
 */
export async function emailBuyer(event: BuyerEmailEvent): Promise<void> {
  try {
    await startChild(buyerEmailWorkflow, {
      args: [event],
      workflowId: buyerEmailWorkflowId(event.eventId),
      parentClosePolicy: ParentClosePolicy.ABANDON,
      taskQueue: workflowInfo().taskQueue,
    });
  } catch (err) {
    // The same event handed over again (a workflow that continued as new, say): one email already has it.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

export function buyerEmailWorkflowId(eventId: string): string {
  return `email-${eventId}`;
}

/** Sends one email, retrying a mail server that does not take it until EMAIL_GIVE_UP; then it is kept as `expired`. */
export async function buyerEmailWorkflow(event: BuyerEmailEvent): Promise<void> {
  try {
    await mail.sendBuyerEmail(event);
  } catch (err) {
    const outOfTime = err instanceof ActivityFailure && (err.retryState === RetryState.TIMEOUT || err.cause instanceof TimeoutFailure);
    if (!outOfTime) throw err;
    await mail.expireBuyerEmail(event);
  }
}
