import { log, upsertSearchAttributes } from '@temporalio/workflow';
import type { ComplaintStatus, ComplaintView, ComplaintViewDelta } from '../../domain/complaint';
import type { ComplaintEffect, ComplaintState } from '../../domain/complaintLife';
import { COMPLAINT_STATUS } from '../../domain/searchAttributes';
import { COMPLAINT_STEP_EMAILS } from '../../domain/buyerEmail';
import { store } from '../activities';
import { emailBuyer } from '../email';
import { tellStorefront } from '../notify';

/**
 * The complaint as the outside world sees it: each step projected to the read model, its status
 * mirrored to the ComplaintStatus search attribute, told to the buyer's storefront, and emailed to
 * the buyer when it is one they hear of.
 */
export class ComplaintRecord {
  private seq = 0;
  private searchedStatus: ComplaintStatus | undefined;
  /** How many of the messages a finished projection has left in the read model (they never leave it). */
  private projectedMessages = 0;

  /**
   * The view as it travels out of the workflow (to the projection, as an update's answer, as the
   * result): without the messages the read model already holds, which the API adds back.
   */
  outgoing(view: ComplaintView): ComplaintViewDelta {
    const messagesFrom = this.projectedMessages;
    return { ...view, messages: view.messages.slice(messagesFrom), messagesFrom };
  }

  /** One step: ops find the complaint by its status from its first moment, then the read model, the storefront and the buyer hear of it. */
  async write(state: ComplaintState, { step, at, messageIndex }: Extract<ComplaintEffect, { type: 'write' }>): Promise<void> {
    const { view, breaches, input } = state;
    if (view.status !== this.searchedStatus) {
      if (this.searchedStatus) log.info('complaint status changed', { complaintId: view.complaintId, from: this.searchedStatus, to: view.status });
      this.searchedStatus = view.status;
      upsertSearchAttributes([{ key: COMPLAINT_STATUS, value: view.status }]);
    }
    this.seq += 1;
    const seq = this.seq;
    const messages = view.messages.length;
    await store.projectComplaint({ seq, view: this.outgoing(view), breaches: { ...breaches } });
    this.projectedMessages = Math.max(this.projectedMessages, messages);
    const eventId = `${view.complaintId}.${seq}.${step}`;
    await tellStorefront({ eventId, type: `complaint.${step}`, orderId: view.orderId, complaintId: view.complaintId, status: view.status, at });
    const kind = COMPLAINT_STEP_EMAILS[step];
    if (kind && input.policy.emailBuyer) {
      await emailBuyer({ eventId, orderId: view.orderId, kind, complaintId: view.complaintId, ...(messageIndex !== undefined ? { messageIndex } : {}) });
    }
  }
}
