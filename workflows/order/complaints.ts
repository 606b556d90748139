import { ParentClosePolicy, getExternalWorkflowHandle, startChild, uuid4, workflowInfo } from '@temporalio/workflow';
import {
  complaintWorkflowId,
  type ComplaintFiled,
  type ComplaintFiling,
  type ComplaintPolicy,
  type RemedyOutcome,
  type RemedyRequest,
} from '../../domain/complaint';
import { orderActionFits } from '../../domain/order';
import { remedyApplied } from '../messages';
import { after, msUntil, now } from '../time';
import type { OrderRecord } from './record';

/**
 * The order's side of its complaints: at most one open at a time, each a child workflow of its own;
 * remedies the complaint asks for (a new key, a refund) wait here for the order's main flow, the
 * only one that moves keys and money.
 */
export class ComplaintDesk {
  open: string | undefined;
  private readonly remedies: RemedyRequest[] = [];

  constructor(private readonly order: OrderRecord) {}

  /** Why a complaint cannot be filed now, or undefined when it can. */
  refusal(paid: boolean): string | undefined {
    const { view } = this.order;
    if (!paid || !orderActionFits('fileComplaint', view.status)) return `the order is ${view.status}; complaints are filed on paid orders`;
    if (this.open) return `complaint ${this.open} is already open on this order`;
    if (view.complaintWindowEndsAt && msUntil(view.complaintWindowEndsAt) === 0) {
      return `the complaint window closed at ${view.complaintWindowEndsAt}`;
    }
    return undefined;
  }

  async file(filing: ComplaintFiling & { policy: ComplaintPolicy }): Promise<ComplaintFiled> {
    const { order } = this;
    const complaintId = uuid4().replace(/-/g, '');
    const createdAt = now();
    const { policy, ...complaint } = filing;
    this.open = complaintId;
    order.view.complaints.push(complaintId);
    const child = await startChild('complaint', {
      workflowId: complaintWorkflowId(complaintId),
      taskQueue: workflowInfo().taskQueue,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [{ ...complaint, complaintId, orderId: order.id, sku: order.input.sku, createdAt, policy }],
    });
    // The order stays open until its complaint is over, whichever way it ends.
    void child.result().then(
      () => this.closed(complaintId),
      () => this.closed(complaintId),
    );
    order.note('complaint_filed', `complaint ${complaintId}: ${complaint.category}`, 'buyer');
    await order.notify('complaint.filed', complaintId);
    return {
      complaintId,
      status: 'OPEN',
      firstResponseDueAt: after(createdAt, policy.firstResponseMs),
      resolutionDueAt: after(createdAt, policy.resolutionMs),
    };
  }

  /** A remedy asked for: the order's timeline shows it pending until its outcome is noted. */
  receive(request: RemedyRequest): void {
    this.remedies.push(request);
    this.order.note('complaint_remedy_requested', `${request.remedy} on complaint ${request.complaintId}`, request.actor);
  }

  get hasRemedy(): boolean {
    return this.remedies.length > 0;
  }

  /** Whether a refund is among the remedies waiting (it ends a wait for stock). */
  get refundAsked(): boolean {
    return this.remedies.some((r) => r.remedy === 'refund');
  }

  next(): RemedyRequest | undefined {
    return this.remedies.shift();
  }

  async answer(request: RemedyRequest, outcome: RemedyOutcome): Promise<void> {
    this.order.note(outcome.ok ? 'complaint_remedy_applied' : 'complaint_remedy_failed', `${request.remedy}: ${outcome.detail}`, request.actor);
    try {
      await getExternalWorkflowHandle(complaintWorkflowId(request.complaintId)).signal(remedyApplied, outcome);
    } catch {
      // The complaint has ended meanwhile; the order's timeline still records what was done.
    }
  }

  private closed(complaintId: string): void {
    if (this.open === complaintId) this.open = undefined;
  }
}
