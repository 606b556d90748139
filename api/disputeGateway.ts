import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ComplaintPolicy } from '../domain/complaint';
import { disputeWorkflowId, type DisputeNotice } from '../domain/dispute';
import { DEFAULT_MERCHANT } from '../domain/merchant';
import { disputeNoticed } from '../workflows/messages';

/**
 * Hands a provider's dispute events to the dispute's own workflow (one per provider dispute id),
 * starting it with the first: signal-with-start, so the order's workflow being long closed does not
 * matter, and the same event twice, or events racing each other, reach one workflow. A dispute
 * whose workflow has ended (its outcome recorded) is not started again: a late or replayed event
 * is acknowledged and changes nothing. A merchant's dispute (one that came to its own address)
 * keeps that merchant's deadlines, `policy`, and attaches only to that merchant's orders.
 */
export class DisputeGateway {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly policy: ComplaintPolicy,
  ) {}

  async notify(notice: DisputeNotice, policy: ComplaintPolicy = this.policy): Promise<'signalled' | 'ended'> {
    const merchantId = notice.merchantId ?? DEFAULT_MERCHANT;
    try {
      await this.client.workflow.signalWithStart('dispute', {
        taskQueue: this.taskQueue,
        workflowId: disputeWorkflowId(notice.source, notice.externalId),
        args: [{ source: notice.source, externalId: notice.externalId, policy, ...(merchantId === DEFAULT_MERCHANT ? {} : { merchantId }) }],
        signal: disputeNoticed,
        signalArgs: [notice],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
      return 'signalled';
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return 'ended';
      throw err;
    }
  }
}
