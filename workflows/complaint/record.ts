import { log, upsertSearchAttributes } from '@temporalio/workflow';
import type { ComplaintInput, ComplaintMessage, ComplaintStatus, ComplaintView, ComplaintViewDelta } from '../../domain/complaint';
import { COMPLAINT_STATUS } from '../../domain/searchAttributes';
import { store } from '../activities';
import { COMPLAINT_STEP_EMAILS } from '../../domain/buyerEmail';
import { emailBuyer } from '../email';
import { tellStorefront } from '../notify';
import { after, now } from '../time';
import type { ComplaintStep } from '../../domain/notification';

/** Statuses in which agents are working on the complaint and its resolution clock runs. */
export type WorkingStatus = 'OPEN' | 'ACKNOWLEDGED' | 'ESCALATED';

const WORKING: readonly ComplaintStatus[] = ['OPEN', 'ACKNOWLEDGED', 'ESCALATED'];

export type Deadline = { kind: 'first_response' | 'resolution' | 'auto_close' | 'buyer_reply' | 'escalation_reminder'; at: string };

/** What one step says: who said it and what. */
export type Said = Omit<ComplaintMessage, 'at'>;

/**
 * The complaint as its workflow knows it: the single writer of its state. Every step is appended to
 * the messages (never rewritten), projected to the read model, mirrored to the ComplaintStatus
 * search attribute, and told to the buyer's storefront.
 */
export class ComplaintRecord {
  readonly view: ComplaintView;
  /** Whether a deadline passed unmet; kept for the report's on-time shares, whatever happens later. */
  readonly breaches = { firstResponse: false, resolution: false };
  /** Bumped by every step, so the main flow knows to look at its deadlines again. */
  steps = 0;
  private seq = 0;
  /** False once the current resolution deadline has been breached (a reopen starts a new one). */
  private resolutionClockRunning = true;
  private awaitingBuyerSince: string | undefined;
  private resumeTo: WorkingStatus = 'OPEN';
  /** How many of the messages a finished projection has left in the read model (they never leave it). */
  private projectedMessages = 0;
  /** Told of every step's words and status at once (a provider's complaint hears the agents' answers). */
  onStep?: (said: Said[], status: ComplaintStatus | undefined) => void;

  /**
   * @param sendsNewMessages whether projections and answers carry only the messages the read model
   *   lacks (complaint-projects-new-messages), or the whole view as complaints filed before did.
   */
  constructor(
    readonly input: ComplaintInput,
    private readonly sendsNewMessages = false,
  ) {
    const { complaintId, orderId, sku, category, description, evidence, createdAt, policy, dispute } = input;
    this.view = {
      complaintId,
      orderId,
      sku,
      source: input.source ?? 'buyer',
      channel: input.channel ?? 'web',
      ...(input.externalRef ? { externalRef: input.externalRef } : {}),
      ...(input.filedBy ? { filedBy: input.filedBy } : {}),
      ...(dispute ? { external: { id: dispute.id }, dispute } : {}),
      category,
      description,
      evidence,
      status: 'OPEN',
      createdAt,
      firstResponseDueAt: after(createdAt, policy.firstResponseMs),
      resolutionDueAt: input.resolutionDueAt ?? after(createdAt, policy.resolutionMs),
      escalated: false,
      reopenCount: 0,
      // The complainant's own words come first, whatever reaches the workflow in its first moment:
      // the buyer's, or the provider's account of the dispute.
      messages: [{ at: createdAt, from: dispute ? 'system' : 'buyer', text: description }],
    };
  }

  /**
   * The view as it travels out of the workflow (to the projection, as an update's answer, as the
   * result): without the messages the read model already holds, which the API adds back.
   */
  outgoing(): ComplaintView | ComplaintViewDelta {
    if (!this.sendsNewMessages) return this.view;
    const messagesFrom = this.projectedMessages;
    return { ...this.view, messages: this.view.messages.slice(messagesFrom), messagesFrom };
  }

  /** The buyer's replies so far: their messages after the description (a dispute's opens with the provider's). */
  get buyerReplies(): number {
    const buyers = this.view.messages.filter((m) => m.from === 'buyer').length;
    return this.input.dispute ? buyers : buyers - 1;
  }

  get status(): ComplaintStatus {
    return this.view.status;
  }

  /** What the buyer's reply brings the complaint back to. */
  get statusBeforeWaiting(): WorkingStatus {
    return this.resumeTo;
  }

  /** The first agent action answers the first-response clock, whatever the action is. */
  markResponded(): void {
    this.view.firstRespondedAt ??= now();
  }

  /** The next thing the clock will do to this complaint, if nobody acts first. */
  nextDeadline(): Deadline | undefined {
    const { view } = this;
    if (view.status === 'CLOSED') return undefined;
    // Counted from the resolution: only the buyer's confirmation answers it, not a reply.
    if (view.status === 'RESOLVED') return { kind: 'auto_close', at: after(view.resolvedAt as string, this.input.policy.autoCloseMs) };
    const due: Deadline[] = [];
    if (view.buyerReplyDueAt && view.status === 'AWAITING_BUYER') due.push({ kind: 'buyer_reply', at: view.buyerReplyDueAt });
    if (view.escalationReminderAt && WORKING.includes(view.status)) due.push({ kind: 'escalation_reminder', at: view.escalationReminderAt });
    if (!view.firstRespondedAt && !this.breaches.firstResponse) due.push({ kind: 'first_response', at: view.firstResponseDueAt });
    // While the buyer is asked for information the resolution clock is paused.
    if (this.resolutionClockRunning && view.status !== 'AWAITING_BUYER') due.push({ kind: 'resolution', at: view.resolutionDueAt });
    return due.sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0];
  }

  noteBreach(kind: 'first_response' | 'resolution'): void {
    if (kind === 'first_response') this.breaches.firstResponse = true;
    else {
      this.breaches.resolution = true;
      this.resolutionClockRunning = false;
      this.scheduleReminder();
    }
  }

  /** The next reminder to the agents of an escalated complaint past its deadline (when the policy has them). */
  scheduleReminder(): void {
    this.scheduleReminderAt(now());
  }

  private scheduleReminderAt(from: string): void {
    const every = this.input.policy.escalationReminderMs;
    if (every) this.view.escalationReminderAt = after(from, every);
  }

  /** A fresh resolution deadline, counted from now: the complaint was reopened. */
  restartResolutionClock(): void {
    this.view.resolutionDueAt = after(now(), this.input.policy.resolutionMs);
    this.resolutionClockRunning = true;
  }

  /** Filed: ops can find it by status from its first moment, and the buyer is told. */
  async open(): Promise<void> {
    upsertSearchAttributes([{ key: COMPLAINT_STATUS, value: this.view.status }]);
    await this.step('opened', []);
  }

  /**
   * One step of the complaint: its messages, and its new status if it moves. State changes happen
   * at once (before any await), so concurrent handlers and timers always see where it stands.
   */
  async step(event: ComplaintStep, said: Said | Said[], status?: ComplaintStatus): Promise<void> {
    const at = now();
    for (const message of [said].flat()) this.view.messages.push({ at, ...message });
    if (status && status !== this.view.status) this.move(status, at);
    this.onStep?.([said].flat(), status);
    this.steps += 1;
    this.seq += 1;
    const seq = this.seq;
    const messages = this.view.messages.length;
    await store.projectComplaint({ seq, view: this.outgoing(), breaches: { ...this.breaches } });
    this.projectedMessages = Math.max(this.projectedMessages, messages);
    const eventId = `${this.view.complaintId}.${seq}.${event}`;
    await tellStorefront({ eventId, type: `complaint.${event}`, orderId: this.view.orderId, complaintId: this.view.complaintId, status: this.view.status, at });
    const kind = COMPLAINT_STEP_EMAILS[event];
    if (kind && this.input.policy.emailBuyer) {
      const saidNow = [said].flat().length > 0;
      await emailBuyer({ eventId, orderId: this.view.orderId, kind, complaintId: this.view.complaintId, ...(saidNow ? { messageIndex: messages - 1 } : {}) });
    }
  }

  private move(status: ComplaintStatus, at: string): void {
    const from = this.view.status;
    if (from === 'AWAITING_BUYER') {
      // The time spent waiting for the buyer does not count against the agents.
      const waited = Date.parse(at) - Date.parse(this.awaitingBuyerSince as string);
      this.view.resolutionDueAt = after(this.view.resolutionDueAt, waited);
      this.awaitingBuyerSince = undefined;
    }
    delete this.view.buyerReplyDueAt;
    if (status === 'AWAITING_BUYER') {
      this.awaitingBuyerSince = at;
      this.resumeTo = from as WorkingStatus;
      const wait = this.input.policy.buyerReplyMs;
      if (wait) this.view.buyerReplyDueAt = after(at, wait);
    }
    // Past its resolution deadline, a complaint the agents hold keeps reminding them until it is settled.
    if (!WORKING.includes(status)) delete this.view.escalationReminderAt;
    else if (this.breaches.resolution && !this.resolutionClockRunning && !this.view.escalationReminderAt) this.scheduleReminderAt(at);
    if (status === 'ESCALATED') this.view.escalated = true;
    if (status === 'CLOSED') this.view.closedAt = at;
    this.view.status = status;
    upsertSearchAttributes([{ key: COMPLAINT_STATUS, value: status }]);
    log.info('complaint status changed', { complaintId: this.view.complaintId, from, to: status });
  }
}
