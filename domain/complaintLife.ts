/**
 * The life of one buyer's complaint, as decisions: `decide(state, event, at)` says what the
 * complaint becomes and what must be done in the world. No I/O, no clock, no Temporal: the
 * complaint workflow feeds it events one at a time and carries out its effects.
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
 * first-response clock measures the first answer only. Keys and money move only at the order: a
 * remedy is asked of it, and agents' actions wait for its answer.
 */
import {
  COMPLAINT_ACTION_FITS as FITS,
  COMPLAINT_BUYER_FITS,
  type ComplaintAction,
  type ComplaintInput,
  type ComplaintMessage,
  type ComplaintStatus,
  type ComplaintView,
  type RemedyOutcome,
  type RemedyRequest,
} from './complaint';
import { providerName, type DisputeState } from './dispute';
import type { ComplaintStep } from './notification';
import type { ProviderReply } from './providerReply';

/** Statuses in which agents are working on the complaint and its resolution clock runs. */
export type WorkingStatus = 'OPEN' | 'ACKNOWLEDGED' | 'ESCALATED';
const WORKING: readonly ComplaintStatus[] = ['OPEN', 'ACKNOWLEDGED', 'ESCALATED'];
/** Where the agents still hold it: an automatic re-check only tells a complaint elsewhere. */
const WITH_AGENTS: readonly ComplaintStatus[] = ['OPEN', 'ACKNOWLEDGED', 'ESCALATED', 'AWAITING_BUYER'];

export type Deadline = { kind: 'first_response' | 'resolution' | 'auto_close' | 'buyer_reply' | 'escalation_reminder'; at: string };

/** What one step says: who said it and what. */
export type Said = Omit<ComplaintMessage, 'at'>;

/** A remedy the order is carrying out for this complaint; agents' actions wait for its answer. */
export interface RemedyInFlight {
  id: number;
  remedy: 'replace' | 'refund';
  actor: string;
  note?: string;
  requestedAt: string;
  /** An agent's (answered in time, or shown pending), or the automatic re-check's (what it found). */
  by: { agent: true; shownPending: boolean } | { recheck: true; checkedBy: string; found: string };
}

export interface ComplaintState {
  input: ComplaintInput;
  view: ComplaintView;
  /** Whether a deadline passed unmet; kept for the report's on-time shares, whatever happens later. */
  breaches: { firstResponse: boolean; resolution: boolean };
  /** False once the current resolution deadline has been breached (a reopen starts a new one). */
  resolutionClockRunning: boolean;
  awaitingBuyerSince?: string;
  /** What the buyer's reply brings an AWAITING_BUYER complaint back to. */
  resumeTo: WorkingStatus;
  remedy?: RemedyInFlight;
  /** Remedies asked so far (each one's id), and how the latest that was answered went. */
  remedies: number;
  lastRemedy?: { id: number; remedy: 'replace' | 'refund'; outcome: RemedyOutcome };
  /** The automatic re-check of a reported-invalid key: the complaint ends only once it has settled. */
  recheck: 'none' | 'running' | 'done';
}

export type ComplaintEvent =
  | { type: 'opened' }
  | { type: 'agentAction'; action: ComplaintAction; note?: string; actor: string }
  | { type: 'buyerReplied'; message: string }
  | { type: 'buyerConfirmed'; satisfied: boolean; rating?: number; comment?: string }
  | { type: 'disputeChanged'; dispute: DisputeState }
  /** The clock reached the next deadline (nextDeadline). */
  | { type: 'due' }
  | { type: 'remedyAnswered'; outcome: RemedyOutcome }
  /** The order could not be asked: it has closed. */
  | { type: 'orderGone' }
  /** The agent who asked for remedy `id` can wait no longer: it shows pending. */
  | { type: 'remedyWaited'; id: number }
  | { type: 'rechecked'; verdict: 'invalid' | 'valid' | 'unknown'; supplier: boolean; found: string }
  | { type: 'providerReplyFailed'; why: string };

export type ComplaintEffect =
  /** Write the complaint to the read model, tell the storefront of the step, email the buyer when the step is one they hear of. */
  | { type: 'write'; step: ComplaintStep; at: string; messageIndex?: number }
  /** Send this back to the WeChat Pay complaint the complaint follows (in order, each at most once). */
  | { type: 'replyToProvider'; providerComplaintId: string; reply: ProviderReply }
  /** Ask the order (the only one that moves keys and money) for a remedy; it answers with remedyAnswered. */
  | { type: 'askOrder'; request: RemedyRequest }
  /** Re-check the order's delivered keys within withinMs; answers rechecked. */
  | { type: 'recheck'; withinMs: number };

export interface Decision {
  state: ComplaintState;
  effects: ComplaintEffect[];
  /** An ask that does not fit the complaint as it stands: nothing changed, and this says why (a 409). */
  refused?: string;
}

export function newComplaintState(input: ComplaintInput): ComplaintState {
  const { complaintId, orderId, sku, category, description, evidence, createdAt, policy, dispute } = input;
  const view: ComplaintView = {
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
    // The complainant's own words come first: the buyer's, or the provider's account of the dispute.
    messages: [{ at: createdAt, from: dispute ? 'system' : 'buyer', text: description }],
  };
  return { input, view, breaches: { firstResponse: false, resolution: false }, resolutionClockRunning: true, resumeTo: 'OPEN', remedies: 0, recheck: 'none' };
}

/** A step of the complaint's life: a copy of the state to change, the effects it asks, and the time. */
class Step {
  readonly effects: ComplaintEffect[] = [];
  constructor(
    readonly state: ComplaintState,
    readonly at: string,
  ) {}

  get view(): ComplaintView {
    return this.state.view;
  }

  /**
   * One step the world hears of: its messages appended (never rewritten), its new status if it
   * moves, the read model written, and the agents' words sent on to a WeChat Pay complaint.
   */
  say(event: ComplaintStep, said: Said | Said[], status?: ComplaintStatus): void {
    const messages = [said].flat();
    for (const message of messages) this.view.messages.push({ at: this.at, ...message });
    if (status && status !== this.view.status) move(this.state, status, this.at);
    this.effects.push({ type: 'write', step: event, at: this.at, ...(messages.length > 0 ? { messageIndex: this.view.messages.length - 1 } : {}) });
    this.replyToProvider(messages, status);
  }

  /** The first agent answer stops the first-response clock, whatever the answer is. */
  responded(): void {
    this.view.firstRespondedAt ??= this.at;
  }

  resolve(resolution: NonNullable<ComplaintView['resolution']>, message: Said): void {
    this.view.resolution = resolution;
    this.view.resolvedAt = this.at;
    this.view.resolvedBy = message.actor ?? 'system';
    this.say('resolved', message, 'RESOLVED');
  }

  do(effect: ComplaintEffect): void {
    this.effects.push(effect);
  }

  /** A complaint following a WeChat Pay complaint sends the agents' words back there, and completes it there once an agent resolves it. */
  private replyToProvider(said: Said[], status: ComplaintStatus | undefined): void {
    const dispute = this.view.dispute;
    if (dispute?.source !== 'wechatpay' || dispute.outcome) return;
    const agents = said.filter((m) => m.from === 'agent' && m.text.trim());
    const replies: ProviderReply[] = agents.map((m) => ({ text: m.text }));
    if (status === 'RESOLVED' && agents.length > 0) replies.push({ complete: true });
    for (const reply of replies) this.do({ type: 'replyToProvider', providerComplaintId: dispute.id, reply });
  }
}

/** A status move and what it does to the clocks. */
function move(state: ComplaintState, status: ComplaintStatus, at: string): void {
  const { view } = state;
  const from = view.status;
  if (from === 'AWAITING_BUYER') {
    // The time spent waiting for the buyer does not count against the agents.
    const waited = Date.parse(at) - Date.parse(state.awaitingBuyerSince as string);
    view.resolutionDueAt = after(view.resolutionDueAt, waited);
    delete state.awaitingBuyerSince;
  }
  delete view.buyerReplyDueAt;
  if (status === 'AWAITING_BUYER') {
    state.awaitingBuyerSince = at;
    state.resumeTo = from as WorkingStatus;
    const wait = state.input.policy.buyerReplyMs;
    if (wait) view.buyerReplyDueAt = after(at, wait);
  }
  // Past its resolution deadline, a complaint the agents hold keeps reminding them until it is settled.
  if (!WORKING.includes(status)) delete view.escalationReminderAt;
  else if (state.breaches.resolution && !state.resolutionClockRunning && !view.escalationReminderAt) scheduleReminder(state, at);
  if (status === 'ESCALATED') view.escalated = true;
  if (status === 'CLOSED') view.closedAt = at;
  view.status = status;
}

/** The next reminder to the agents of a complaint past its resolution deadline (when the policy has them). */
function scheduleReminder(state: ComplaintState, from: string): void {
  const every = state.input.policy.escalationReminderMs;
  if (every) state.view.escalationReminderAt = after(from, every);
}

/** A deep copy of plain data (the state is JSON). */
function copy(state: ComplaintState): ComplaintState {
  return JSON.parse(JSON.stringify(state)) as ComplaintState;
}

export function decide(state: ComplaintState, event: ComplaintEvent, at: string): Decision {
  const question = askOf(event);
  const refused = question && refusal(state, question);
  if (refused) return { state, effects: [], refused };
  const step = new Step(copy(state), at);
  HANDLERS[event.type](step, event as never);
  return { state: step.state, effects: step.effects };
}

type Handlers = { [K in ComplaintEvent['type']]: (step: Step, event: Extract<ComplaintEvent, { type: K }>) => void };

const HANDLERS: Handlers = {
  opened(step) {
    const { input } = step.state;
    step.say('opened', []);
    // A reported-invalid key is checked again at once: an invalid one is replaced with no agent.
    const withinMs = input.policy.autoRecheckWaitMs ?? 0;
    if (input.category === 'key_invalid' && !input.dispute && withinMs > 0) {
      step.state.recheck = 'running';
      step.do({ type: 'recheck', withinMs });
    }
  },

  agentAction(step, { action, note, actor }) {
    if (action === 'resolve_replace' || action === 'resolve_refund') {
      // Answers the first-response clock only once the order accepts it: a refused one changes nothing.
      const remedy = action === 'resolve_replace' ? 'replace' : 'refund';
      return askOrder(step, { remedy, actor, ...(note ? { note } : {}), by: { agent: true, shownPending: false } });
    }
    step.responded();
    const said = { from: 'agent' as const, actor };
    switch (action) {
      case 'acknowledge':
        return step.say('acknowledged', { ...said, text: note ?? 'We are looking into your complaint.' }, 'ACKNOWLEDGED');
      case 'request_info':
        return step.say('info_requested', { ...said, text: note ?? 'Please tell us more about the problem.' }, 'AWAITING_BUYER');
      case 'escalate':
        return step.say('escalated', { ...said, text: note ?? 'Escalated to a senior agent.' }, 'ESCALATED');
      case 'reject':
        return step.resolve('rejected', { ...said, text: note as string });
    }
  },

  buyerReplied(step, { message }) {
    const returnTo = step.view.status === 'AWAITING_BUYER' ? step.state.resumeTo : undefined;
    step.say('buyer_replied', { from: 'buyer', text: message }, returnTo);
  },

  buyerConfirmed(step, { satisfied, rating, comment }) {
    const { view, input } = step.state;
    view.satisfaction = rating === undefined ? { satisfied } : { satisfied, rating };
    // The buyer's own words when they wrote some, never words put in their mouth: satisfaction says the rest.
    const said: Said[] = comment ? [{ from: 'buyer', text: comment }] : [];
    if (satisfied) return step.say('closed', said, 'CLOSED');
    delete view.resolution;
    delete view.resolvedAt;
    delete view.resolvedBy;
    view.resolutionDueAt = after(step.at, input.policy.resolutionMs);
    step.state.resolutionClockRunning = true;
    if (view.reopenCount < input.policy.maxReopens) {
      view.reopenCount += 1;
      return step.say('reopened', said, 'ACKNOWLEDGED');
    }
    const limit: Said = { from: 'system', text: `reopened ${view.reopenCount} time(s) already, the most allowed; escalated to a senior agent` };
    step.say('escalated', [...said, limit], 'ESCALATED');
  },

  disputeChanged(step, { dispute }) {
    const { view } = step;
    const before = view.dispute;
    if (before?.outcome) return; // a dispute's end is final: a late event changes nothing
    view.dispute = dispute;
    view.external ??= { id: dispute.id };
    const name = `${providerName(dispute.source)} ${dispute.source === 'wechatpay' ? 'complaint' : 'dispute'} ${dispute.id}`;
    if (!dispute.outcome) {
      const text =
        before?.id === dispute.id
          ? `${name} is now ${dispute.status}`
          : `${name} opened on this order's payment: ${dispute.reason}${dispute.dueBy ? `; the shop's answer is due by ${dispute.dueBy}` : ''}`;
      return step.say('dispute_updated', { from: 'system', text });
    }
    const text =
      dispute.outcome === 'lost'
        ? `${name} closed: lost. The buyer's bank returned the payment; the order's keys are revoked and no refund is sent again.`
        : dispute.outcome === 'won'
          ? `${name} closed: won. The payment stays with the shop.`
          : `${name} completed at ${providerName(dispute.source)}.`;
    if (view.status === 'RESOLVED' || view.status === 'CLOSED') return step.say('dispute_closed', { from: 'system', text });
    // The provider's outcome settles what the complaint was about: the money went where the dispute said.
    if (dispute.outcome === 'lost') view.resolution = 'refunded';
    else if (dispute.outcome === 'won') view.resolution = 'rejected';
    view.resolvedAt = step.at;
    view.resolvedBy = 'system';
    step.say('resolved', { from: 'system', text }, 'RESOLVED');
  },

  due(step) {
    const { state } = step;
    const due = nextDeadline(state);
    if (!due || Date.parse(step.at) < Date.parse(due.at)) return;
    const { policy } = state.input;
    switch (due.kind) {
      case 'buyer_reply': {
        const days = (policy.buyerReplyMs as number) / 86_400_000;
        return step.say('closed', { from: 'system', text: `closed: no answer from the buyer within ${days}d of the request for information` }, 'CLOSED');
      }
      case 'escalation_reminder': {
        scheduleReminder(state, step.at);
        const hours = (policy.escalationReminderMs as number) / 3_600_000;
        const text = `still unresolved past its resolution deadline (${state.view.resolutionDueAt}); the agents are reminded every ${hours}h`;
        return step.say('escalation_reminder', { from: 'system', text });
      }
      case 'auto_close':
        return step.say('closed', { from: 'system', text: `closed: no answer from the buyer within ${policy.autoCloseMs / 3_600_000}h of the resolution` }, 'CLOSED');
      case 'first_response':
      case 'resolution': {
        if (due.kind === 'first_response') state.breaches.firstResponse = true;
        else {
          state.breaches.resolution = true;
          state.resolutionClockRunning = false;
          scheduleReminder(state, step.at);
        }
        const what = due.kind === 'first_response' ? 'first response' : 'resolution';
        const text = `the ${what} deadline (${due.at}) passed without ${due.kind === 'first_response' ? 'an answer from an agent' : 'a resolution'}; escalated`;
        return step.say(`${due.kind}_overdue`, { from: 'system', text }, 'ESCALATED');
      }
    }
  },

  remedyAnswered(step, { outcome }) {
    remedyAnswered(step, outcome);
  },

  orderGone(step) {
    remedyAnswered(step, { ok: false, detail: 'the order is closed and can no longer carry out a remedy' });
  },

  remedyWaited(step, { id }) {
    const remedy = step.state.remedy;
    if (remedy?.id !== id || !('agent' in remedy.by)) return; // answered meanwhile: the agent hears the outcome
    // Accepted, and under way: the agent has answered, and sees it pending until the order is done.
    remedy.by.shownPending = true;
    step.responded();
    step.view.remedy = { remedy: remedy.remedy, status: 'pending', actor: remedy.actor, requestedAt: remedy.requestedAt };
    step.say('remedy_pending', []);
  },

  rechecked(step, { verdict, supplier, found }) {
    const { state } = step;
    state.view.autoRecheck = { verdict, at: step.at };
    const checkedBy = supplier ? 'with the supplier' : 'by our own checks';
    // Whatever an agent did meanwhile stands: a complaint no longer with the agents is only told.
    if (verdict === 'invalid' && WITH_AGENTS.includes(state.view.status) && !state.remedy) {
      const by = { recheck: true as const, checkedBy, found };
      return askOrder(step, { remedy: 'replace', actor: 'system', note: 'the reported key was re-checked and found invalid', by });
    }
    state.recheck = 'done';
    const withinMs = state.input.policy.autoRecheckWaitMs ?? 0;
    const text =
      verdict === 'invalid'
        ? `The reported key was re-checked ${checkedBy}: invalid (${found}).`
        : verdict === 'valid'
          ? `The reported key was re-checked ${checkedBy}: it is valid. An agent will look into it with you.`
          : `The reported key could not be re-checked within ${withinMs / 1000}s; an agent will take it.`;
    step.say('rechecked', { from: 'system', text });
  },

  providerReplyFailed(step, { why }) {
    step.say('provider_reply_failed', { from: 'system', text: why });
  },
};

function askOrder(step: Step, remedy: Omit<RemedyInFlight, 'id' | 'requestedAt'>): void {
  const { state } = step;
  state.remedies += 1;
  state.remedy = { id: state.remedies, requestedAt: step.at, ...remedy };
  const { actor, note } = remedy;
  step.do({ type: 'askOrder', request: { complaintId: state.input.complaintId, remedy: remedy.remedy, actor, ...(note ? { note } : {}) } });
}

/** The order's answer to the remedy in flight (none in flight: nothing to hear). */
function remedyAnswered(step: Step, outcome: RemedyOutcome): void {
  const { state, view } = step;
  const remedy = state.remedy;
  if (!remedy) return;
  delete state.remedy;
  state.lastRemedy = { id: remedy.id, remedy: remedy.remedy, outcome };
  if ('recheck' in remedy.by) {
    state.recheck = 'done';
    const { checkedBy, found } = remedy.by;
    if (!outcome.ok) {
      const text = `The reported key was re-checked ${checkedBy} and is invalid (${found}), but no replacement could be delivered: ${outcome.detail}. An agent will take it.`;
      return step.say('rechecked', { from: 'system', text });
    }
    step.responded();
    return step.resolve('replaced', { from: 'system', text: `We re-checked the reported key ${checkedBy}: it is invalid (${found}). ${outcome.detail}. Please confirm the new key works.` });
  }
  if (!remedy.by.shownPending && !outcome.ok) return; // refused in time: the agent hears a 409, the complaint is as it was
  if (!remedy.by.shownPending) step.responded();
  if (!outcome.ok) {
    view.remedy = { remedy: remedy.remedy, status: 'failed', actor: remedy.actor, requestedAt: remedy.requestedAt, detail: outcome.detail };
    return step.say('remedy_failed', []);
  }
  // A remedy that went through leaves no earlier failed one on show.
  delete view.remedy;
  const text = remedy.note ? `${outcome.detail}. ${remedy.note}` : outcome.detail;
  step.resolve(remedy.remedy === 'replace' ? 'replaced' : 'refunded', { from: 'agent', actor: remedy.actor, text });
}

/** The next thing the clock will do to this complaint, if nobody acts first. */
export function nextDeadline(state: ComplaintState): Deadline | undefined {
  const { view, input } = state;
  if (view.status === 'CLOSED') return undefined;
  // Counted from the resolution: only the buyer's confirmation answers it, not a reply.
  if (view.status === 'RESOLVED') return { kind: 'auto_close', at: after(view.resolvedAt as string, input.policy.autoCloseMs) };
  const due: Deadline[] = [];
  // A remedy under way settles it either way: the buyer's silence waits for its outcome.
  if (view.buyerReplyDueAt && view.status === 'AWAITING_BUYER' && !state.remedy) due.push({ kind: 'buyer_reply', at: view.buyerReplyDueAt });
  if (view.escalationReminderAt && WORKING.includes(view.status)) due.push({ kind: 'escalation_reminder', at: view.escalationReminderAt });
  if (!view.firstRespondedAt && !state.breaches.firstResponse) due.push({ kind: 'first_response', at: view.firstResponseDueAt });
  // While the buyer is asked for information the resolution clock is paused.
  if (state.resolutionClockRunning && view.status !== 'AWAITING_BUYER') due.push({ kind: 'resolution', at: view.resolutionDueAt });
  return due.sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0];
}

/**
 * Whether the complaint's life is over: closed, with nothing more to record on it (a provider's
 * dispute still deciding, an automatic re-check still under way keep it going).
 */
export function isOver(state: ComplaintState): boolean {
  const { view } = state;
  const disputeOpen = view.dispute !== undefined && view.dispute.outcome === undefined;
  return view.status === 'CLOSED' && !disputeOpen && state.recheck !== 'running';
}

/** The buyer's replies so far: their messages after the description (a dispute's opens with the provider's). */
export function buyerReplies(state: ComplaintState): number {
  const buyers = state.view.messages.filter((m) => m.from === 'buyer').length;
  return state.input.dispute ? buyers : buyers - 1;
}

// ── What people may ask, and when (the update validators answer by these) ──────────────────────

export type ComplaintAsk =
  | { type: 'action'; action: ComplaintAction; note?: string }
  | { type: 'reply'; message: string }
  | { type: 'confirm'; rating?: number };

/** The events that are people's asks: each is refused, changing nothing, when it does not fit. */
function askOf(event: ComplaintEvent): ComplaintAsk | undefined {
  switch (event.type) {
    case 'agentAction':
      return { type: 'action', action: event.action, ...(event.note !== undefined ? { note: event.note } : {}) };
    case 'buyerReplied':
      return { type: 'reply', message: event.message };
    case 'buyerConfirmed':
      return { type: 'confirm', ...(event.rating !== undefined ? { rating: event.rating } : {}) };
    default:
      return undefined;
  }
}

/** Why an ask does not fit the complaint now (a 409 with these words), or undefined when it does. */
export function refusal(state: ComplaintState, ask: ComplaintAsk): string | undefined {
  const { status } = state.view;
  switch (ask.type) {
    case 'action': {
      const { action, note } = ask;
      if (!(action in FITS)) return `unknown action "${action}"`;
      if (state.remedy) return 'a remedy is being applied to the order; wait for its outcome';
      if (!FITS[action].includes(status)) return `the complaint is ${status}; ${action} fits a complaint that is ${FITS[action].join(', ')}`;
      if (action === 'reject' && !note?.trim()) return 'a rejection needs a note telling the buyer why';
      return undefined;
    }
    case 'reply': {
      const max = state.input.policy.maxBuyerReplies;
      const replies = buyerReplies(state);
      if (!(COMPLAINT_BUYER_FITS.reply as readonly ComplaintStatus[]).includes(status)) return `the complaint is ${status}`;
      if (typeof ask.message !== 'string' || !ask.message.trim()) return 'a reply needs a message';
      if (max !== undefined && replies >= max) return `the complaint has ${replies} replies from the buyer, the most allowed; an agent will answer`;
      return undefined;
    }
    case 'confirm': {
      const { rating } = ask;
      if (!(COMPLAINT_BUYER_FITS.confirm as readonly ComplaintStatus[]).includes(status)) return `the complaint is ${status}; only a RESOLVED complaint is confirmed`;
      if (rating !== undefined && !(Number.isInteger(rating) && rating >= 1 && rating <= 5)) return 'a rating is a whole number from 1 to 5';
      return undefined;
    }
  }
}

function after(startIso: string, ms: number): string {
  return new Date(Date.parse(startIso) + ms).toISOString();
}
