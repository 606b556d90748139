import { ApplicationFailure, allHandlersFinished, condition, getExternalWorkflowHandle, setHandler } from '@temporalio/workflow';
import { providerName, type DisputeState } from '../domain/dispute';
import { REMEDY_ANSWER_WITHIN, type ComplaintAction, type ComplaintInput, type ComplaintView, type ComplaintViewDelta, type RemedyOutcome, type RemedyPending, type RemedyRequest } from '../domain/complaint';
import { orderWorkflowId } from '../domain/order';
import { type Deadline, type Said, ComplaintRecord } from './complaint/record';
import { ProviderReplies } from './complaint/providerReplies';
import { actionRefusal, confirmRefusal, replyRefusal } from './complaint/rules';
import {
  CONFLICT,
  buyerConfirm,
  buyerReply,
  complaintAction,
  complaintRemedy,
  complaintView,
  disputeChanged,
  remedyApplied,
} from './messages';
import { recheckWithin } from './activities';
import { msUntil, now } from './time';

/**
 * One buyer's complaint on one order, from filing to closing, with deadlines nobody can forget.
 *
 *   OPEN ─acknowledge─▶ ACKNOWLEDGED ─request_info─▶ AWAITING_BUYER ─buyer replies─▶ (back where it was)
 *     │                     │   (the resolution clock is paused while the buyer is asked)
 *     └──── resolve_replace · resolve_refund · reject ────▶ RESOLVED ─buyer satisfied─▶ CLOSED
 *                                                              │  └─ no answer in autoClose ─▶ CLOSED
 *                                                              └─ not satisfied ─▶ ACKNOWLEDGED (reopened,
 *                                                                 a new resolution deadline) or, past
 *                                                                 maxReopens, ESCALATED
 *   A first response or resolution deadline that passes unmet escalates it (ESCALATED) and says so.
 *
 * A reopened complaint goes to ACKNOWLEDGED, not OPEN: the agents already know it, and the
 * first-response clock measures the first answer only.
 */
export async function complaint(input: ComplaintInput): Promise<ComplaintView | ComplaintViewDelta> {
  const complaint = new ComplaintRecord(input, true);
  const { policy } = input;
  let remedyPending = false;
  let remedyOutcome: RemedyOutcome | undefined;

  setHandler(complaintView, () => complaint.view);
  setHandler(remedyApplied, (outcome) => {
    if (remedyPending) remedyOutcome = outcome;
  });

  setHandler(
    complaintAction,
    async ({ action, note, actor }) => {
      // A remedy answers the first-response clock only once it is accepted: a refused one changes nothing.
      if (action !== 'resolve_replace' && action !== 'resolve_refund') complaint.markResponded();
      const said = { from: 'agent' as const, actor };
      switch (action) {
        case 'acknowledge':
          await complaint.step('acknowledged', { ...said, text: note ?? 'We are looking into your complaint.' }, 'ACKNOWLEDGED');
          break;
        case 'request_info':
          await complaint.step('info_requested', { ...said, text: note ?? 'Please tell us more about the problem.' }, 'AWAITING_BUYER');
          break;
        case 'escalate':
          await complaint.step('escalated', { ...said, text: note ?? 'Escalated to a senior agent.' }, 'ESCALATED');
          break;
        case 'reject':
          await resolve('rejected', { ...said, text: note as string });
          break;
        case 'resolve_replace':
        case 'resolve_refund':
          return applyRemedyInTime(action, actor, note);
      }
      return complaint.outgoing();
    },
    {
      validator: ({ action, note }) => {
        const refusal = actionRefusal(complaint.status, action, note, remedyPending);
        if (refusal) conflict(refusal);
      },
    },
  );

  setHandler(
    buyerReply,
    async ({ message }) => {
      const returnTo = complaint.status === 'AWAITING_BUYER' ? complaint.statusBeforeWaiting : undefined;
      await complaint.step('buyer_replied', { from: 'buyer', text: message }, returnTo);
      return complaint.outgoing();
    },
    {
      validator: ({ message }) => {
        const refusal = replyRefusal(complaint.status, message, complaint.buyerReplies, policy.maxBuyerReplies);
        if (refusal) conflict(refusal);
      },
    },
  );

  setHandler(
    buyerConfirm,
    async ({ satisfied, rating, comment }) => {
      const { view } = complaint;
      view.satisfaction = rating === undefined ? { satisfied } : { satisfied, rating };
      // The buyer's own words when they wrote some, never words put in their mouth: satisfaction says the rest.
      const said: Said[] = comment ? [{ from: 'buyer', text: comment }] : [];
      if (satisfied) {
        await complaint.step('closed', said, 'CLOSED');
      } else if (view.reopenCount < policy.maxReopens) {
        view.reopenCount += 1;
        delete view.resolution;
        delete view.resolvedAt;
        delete view.resolvedBy;
        complaint.restartResolutionClock();
        await complaint.step('reopened', said, 'ACKNOWLEDGED');
      } else {
        delete view.resolution;
        delete view.resolvedAt;
        delete view.resolvedBy;
        complaint.restartResolutionClock();
        const limit: Said = { from: 'system', text: `reopened ${view.reopenCount} time(s) already, the most allowed; escalated to a senior agent` };
        await complaint.step('escalated', [...said, limit], 'ESCALATED');
      }
      return complaint.outgoing();
    },
    {
      validator: ({ rating }) => {
        const refusal = confirmRefusal(complaint.status, rating);
        if (refusal) conflict(refusal);
      },
    },
  );

  // A complaint following a WeChat Pay complaint sends the agents' answers back there; one that
  // does not get there is told to the agents, and the complaint goes on without it.
  const replies = new ProviderReplies(complaint.view, input.complaintId, (why) =>
    complaint.step('provider_reply_failed', { from: 'system', text: why }),
  );
  complaint.onStep = (said, status) => replies.heard(said, status);

  // A provider's dispute this complaint follows (or one that attaches to it): where it stands, and how it ended.
  setHandler(disputeChanged, (state) => disputeMoved(state));

  await complaint.open();
  // A reported-invalid key is checked again at once: an invalid one is replaced with no agent.
  let rechecking = input.category === 'key_invalid' && !input.dispute && (policy.autoRecheckWaitMs ?? 0) > 0;
  if (rechecking) void autoRecheck(policy.autoRecheckWaitMs as number).finally(() => (rechecking = false));

  // The clock: wait for the next deadline; any step may move it, so look again after each one.
  while (complaint.status !== 'CLOSED') {
    const due = complaint.nextDeadline();
    const seen = complaint.steps;
    if (due && msUntil(due.at) === 0) {
      await onDeadline(due);
      continue;
    }
    const moved = () => complaint.steps !== seen;
    await (due ? condition(moved, msUntil(due.at)) : condition(moved));
  }
  // Closed while its provider's dispute is still open: the dispute's outcome is still recorded on it.
  const disputeOpen = () => complaint.view.dispute !== undefined && complaint.view.dispute.outcome === undefined;
  if (disputeOpen()) await condition(() => !disputeOpen());
  if (!replies.idle) await condition(() => replies.idle);
  if (rechecking) await condition(() => !rechecking);
  await condition(allHandlersFinished);
  return complaint.outgoing();

  async function disputeMoved(state: DisputeState): Promise<void> {
    const { view } = complaint;
    const before = view.dispute;
    if (before?.outcome) return; // a dispute's end is final: a late event changes nothing
    view.dispute = state;
    view.external ??= { id: state.id };
    const name = `${providerName(state.source)} ${state.source === 'wechatpay' ? 'complaint' : 'dispute'} ${state.id}`;
    if (!state.outcome) {
      const text = before?.id === state.id
        ? `${name} is now ${state.status}`
        : `${name} opened on this order's payment: ${state.reason}${state.dueBy ? `; the shop's answer is due by ${state.dueBy}` : ''}`;
      await complaint.step('dispute_updated', { from: 'system', text });
      return;
    }
    const text =
      state.outcome === 'lost'
        ? `${name} closed: lost. The buyer's bank returned the payment; the order's keys are revoked and no refund is sent again.`
        : state.outcome === 'won'
          ? `${name} closed: won. The payment stays with the shop.`
          : `${name} completed at ${providerName(state.source)}.`;
    if (view.status === 'RESOLVED' || view.status === 'CLOSED') {
      await complaint.step('dispute_closed', { from: 'system', text });
      return;
    }
    // The provider's outcome settles what the complaint was about: the money went where the dispute said.
    if (state.outcome === 'lost') view.resolution = 'refunded';
    else if (state.outcome === 'won') view.resolution = 'rejected';
    view.resolvedAt = now();
    view.resolvedBy = 'system';
    await complaint.step('resolved', { from: 'system', text }, 'RESOLVED');
  }

  async function onDeadline(due: Deadline): Promise<void> {
    if (due.kind === 'buyer_reply') {
      // A remedy under way settles it either way; the buyer's silence waits for its outcome.
      if (remedyPending) return void (await condition(() => !remedyPending));
      const days = (policy.buyerReplyMs as number) / 86_400_000;
      await complaint.step('closed', { from: 'system', text: `closed: no answer from the buyer within ${days}d of the request for information` }, 'CLOSED');
      return;
    }
    if (due.kind === 'escalation_reminder') {
      complaint.scheduleReminder();
      const hours = (policy.escalationReminderMs as number) / 3_600_000;
      await complaint.step('escalation_reminder', { from: 'system', text: `still unresolved past its resolution deadline (${complaint.view.resolutionDueAt}); the agents are reminded every ${hours}h` });
      return;
    }
    if (due.kind === 'auto_close') {
      const hours = policy.autoCloseMs / 3_600_000;
      await complaint.step('closed', { from: 'system', text: `closed: no answer from the buyer within ${hours}h of the resolution` }, 'CLOSED');
      return;
    }
    complaint.noteBreach(due.kind);
    const what = due.kind === 'first_response' ? 'first response' : 'resolution';
    const text = `the ${what} deadline (${due.at}) passed without ${due.kind === 'first_response' ? 'an answer from an agent' : 'a resolution'}; escalated`;
    await complaint.step(`${due.kind}_overdue`, { from: 'system', text }, 'ESCALATED');
  }

  /**
   * Re-check the order's keys (the supplier's check, or our own without one) within `withinMs`:
   * invalid → the order replaces them and the complaint is resolved by `system`, the buyer asked to
   * confirm; valid, or no answer in time → the agents have it, with the verdict in its messages.
   * Whatever an agent did meanwhile stands: a complaint no longer with the agents is only told.
   */
  async function autoRecheck(withinMs: number): Promise<void> {
    let verdict: 'invalid' | 'valid' | 'unknown' = 'unknown';
    let found = '';
    let supplier = false;
    try {
      const answer = await recheckWithin(withinMs).recheckDeliveredKeys({ orderId: input.orderId });
      verdict = answer.valid ? 'valid' : 'invalid';
      supplier = answer.supplier;
      found = answer.reason ?? '';
    } catch {
      // No verdict within the wait (a supplier that is down), or nothing left to check: the agents take it.
    }
    const { view } = complaint;
    view.autoRecheck = { verdict, at: now() };
    const by = supplier ? 'with the supplier' : 'by our own checks';
    const withAgents = ['OPEN', 'ACKNOWLEDGED', 'ESCALATED', 'AWAITING_BUYER'].includes(view.status) && !remedyPending;
    if (verdict === 'invalid' && withAgents) {
      const outcome = await remedyFromOrder({ complaintId: input.complaintId, remedy: 'replace', actor: 'system', note: 'the reported key was re-checked and found invalid' });
      if (outcome.ok) {
        complaint.markResponded();
        const text = `We re-checked the reported key ${by}: it is invalid (${found}). ${outcome.detail}. Please confirm the new key works.`;
        await resolve('replaced', { from: 'system', text });
        return;
      }
      await complaint.step('rechecked', { from: 'system', text: `The reported key was re-checked ${by} and is invalid (${found}), but no replacement could be delivered: ${outcome.detail}. An agent will take it.` });
      return;
    }
    const text =
      verdict === 'invalid'
        ? `The reported key was re-checked ${by}: invalid (${found}).`
        : verdict === 'valid'
          ? `The reported key was re-checked ${by}: it is valid. An agent will look into it with you.`
          : `The reported key could not be re-checked within ${withinMs / 1000}s; an agent will take it.`;
    await complaint.step('rechecked', { from: 'system', text });
  }

  async function resolve(resolution: NonNullable<ComplaintView['resolution']>, message: Said): Promise<void> {
    complaint.view.resolution = resolution;
    complaint.view.resolvedAt = now();
    complaint.view.resolvedBy = message.actor ?? 'system';
    await complaint.step('resolved', message, 'RESOLVED');
  }

  /** Ask the order (the only one that moves keys and money) to carry out a remedy; fails if it has closed. */
  function askOrder(request: RemedyRequest): Promise<void> {
    return getExternalWorkflowHandle(orderWorkflowId(input.orderId)).signal(complaintRemedy, request);
  }

  /** Ask the order for a remedy and wait for its outcome, however long it takes; meanwhile agents' actions wait (remedyPending). */
  async function remedyFromOrder(request: RemedyRequest): Promise<RemedyOutcome> {
    remedyPending = true;
    remedyOutcome = undefined;
    try {
      await askOrder(request);
      await condition(() => remedyOutcome !== undefined);
    } catch {
      remedyOutcome = { ok: false, detail: 'the order is closed and can no longer carry out a remedy' };
    } finally {
      remedyPending = false;
    }
    return remedyOutcome as RemedyOutcome;
  }

  /**
   * Ask the order for a remedy and answer the agent within REMEDY_ANSWER_WITHIN either way: resolved,
   * refused (a 409 that leaves the complaint exactly as it was), or pending when the order needs
   * longer (a supplier that is down, a refund that takes its time). A pending remedy shows in the
   * view, and its outcome lands there when the order answers.
   */
  async function applyRemedyInTime(action: Extract<ComplaintAction, 'resolve_replace' | 'resolve_refund'>, actor: string, note?: string): Promise<ComplaintView | RemedyPending> {
    const remedy = action === 'resolve_replace' ? 'replace' : 'refund';
    remedyPending = true;
    remedyOutcome = undefined;
    const requestedAt = now();
    try {
      await askOrder({ complaintId: input.complaintId, remedy, actor, ...(note ? { note } : {}) });
    } catch {
      remedyOutcome = { ok: false, detail: 'the order is closed and can no longer carry out a remedy' };
    }
    if (await condition(() => remedyOutcome !== undefined, REMEDY_ANSWER_WITHIN)) {
      remedyPending = false;
      const outcome = remedyOutcome as RemedyOutcome;
      if (!outcome.ok) conflict(`the ${remedy} could not be carried out: ${outcome.detail}`);
      complaint.markResponded();
      await remedied(remedy, outcome, actor, note);
      return complaint.outgoing();
    }
    // Accepted, and under way: the agent has answered, and sees it pending until the order is done.
    complaint.markResponded();
    complaint.view.remedy = { remedy, status: 'pending', actor, requestedAt };
    await complaint.step('remedy_pending', []);
    void condition(() => remedyOutcome !== undefined).then(async () => {
      remedyPending = false;
      const outcome = remedyOutcome as RemedyOutcome;
      if (outcome.ok) {
        delete complaint.view.remedy;
        await remedied(remedy, outcome, actor, note);
      } else {
        complaint.view.remedy = { remedy, status: 'failed', actor, requestedAt, detail: outcome.detail };
        await complaint.step('remedy_failed', []);
      }
    });
    return { status: 'pending', orderId: input.orderId, complaintId: input.complaintId };
  }

  async function remedied(remedy: 'replace' | 'refund', outcome: RemedyOutcome, actor: string, note?: string): Promise<void> {
    const text = note ? `${outcome.detail}. ${note}` : outcome.detail;
    await resolve(remedy === 'replace' ? 'replaced' : 'refunded', { from: 'agent', actor, text });
  }
}

function conflict(message: string): never {
  throw ApplicationFailure.nonRetryable(message, CONFLICT);
}
