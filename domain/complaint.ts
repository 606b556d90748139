import type { ComplaintSource, DisputeState } from './dispute';

export const COMPLAINT_CATEGORIES = [
  'key_invalid',
  'key_not_received',
  'wrong_item',
  'payment_issue',
  'service',
  'other',
] as const;
export type ComplaintCategory = (typeof COMPLAINT_CATEGORIES)[number];

/** Where a complaint came in: the buyer's own (web), or one an agent files on the buyer's behalf. */
/** The channels an agent files on the buyer's behalf from (web is the buyer's own). */
export const AGENT_CHANNELS = ['phone', 'email', 'wechat', 'third_party'] as const;
export const COMPLAINT_CHANNELS = ['web', ...AGENT_CHANNELS] as const;
export type ComplaintChannel = (typeof COMPLAINT_CHANNELS)[number];

export const COMPLAINT_ACTIONS = [
  'acknowledge',
  'request_info',
  'resolve_replace',
  'resolve_refund',
  'reject',
  'escalate',
] as const;
export type ComplaintAction = (typeof COMPLAINT_ACTIONS)[number];

export const COMPLAINT_STATUSES = ['OPEN', 'ACKNOWLEDGED', 'AWAITING_BUYER', 'ESCALATED', 'RESOLVED', 'CLOSED'] as const;
export type ComplaintStatus = (typeof COMPLAINT_STATUSES)[number];

/** Where a complaint can still be worked: neither resolved nor closed. */
const UNRESOLVED: readonly ComplaintStatus[] = ['OPEN', 'ACKNOWLEDGED', 'AWAITING_BUYER', 'ESCALATED'];

/**
 * Where each agent action fits; anything else is a conflict (409) the agent is told about. The
 * complaint workflow refuses by this table and the API's description prints it.
 */
export const COMPLAINT_ACTION_FITS: Record<ComplaintAction, readonly ComplaintStatus[]> = {
  // An escalated complaint may still be waiting for its first look.
  acknowledge: ['OPEN', 'ESCALATED'],
  request_info: ['OPEN', 'ACKNOWLEDGED', 'ESCALATED'],
  resolve_replace: UNRESOLVED,
  resolve_refund: UNRESOLVED,
  reject: UNRESOLVED,
  escalate: ['OPEN', 'ACKNOWLEDGED', 'AWAITING_BUYER'],
};

/** Where the buyer's steps fit: a reply until the complaint is closed; a confirmation once it is resolved. */
export const COMPLAINT_BUYER_FITS = {
  reply: COMPLAINT_STATUSES.filter((s) => s !== 'CLOSED'),
  confirm: ['RESOLVED'],
} as const satisfies Record<string, readonly ComplaintStatus[]>;

/** Whose move a complaint waits for: the agents', or the buyer's (an answer asked for, a resolution to confirm). */
export type WaitingOn = 'agent' | 'buyer';
export function waitingOn(status: ComplaintStatus): WaitingOn | null {
  if (status === 'CLOSED') return null;
  return status === 'AWAITING_BUYER' || status === 'RESOLVED' ? 'buyer' : 'agent';
}

export function complaintWorkflowId(complaintId: string): string {
  return `complaint-${complaintId}`;
}

/** A complaint's clocks and limits, fixed when it is filed. */
export interface ComplaintPolicy {
  firstResponseMs: number;
  resolutionMs: number;
  autoCloseMs: number;
  maxReopens: number;
  /**
   * How long an AWAITING_BUYER complaint waits for the buyer's answer before it closes. Absent on
   * complaints filed before it existed: they keep waiting, as they did (so recorded runs replay).
   */
  buyerReplyMs?: number;
  /**
   * How many replies a buyer may add to one complaint: each is up to 5,000 characters and the view
   * travels with every step, so its size is bounded (absent on complaints filed before: no bound).
   */
  maxBuyerReplies?: number;
  /** After a resolution breach, how often the ESCALATED complaint reminds the agents (absent: never, as before). */
  escalationReminderMs?: number;
  /** How long a key_invalid complaint waits for the automatic re-check of its keys before the agents take it (absent: no re-check). */
  autoRecheckWaitMs?: number;
  /** Whether the buyer is emailed when the complaint is answered, needs their reply, or is resolved (absent: not). */
  emailBuyer?: boolean;
}

/** What a buyer files on an order (or an agent, on the buyer's behalf, from another channel). */
export interface ComplaintFiling {
  category: ComplaintCategory;
  description: string;
  evidence: string[];
  /** Absent: the buyer's own, on the web. */
  channel?: ComplaintChannel;
  /** The other channel's reference (a hotline ticket, a 12345 case number). */
  externalRef?: string;
  /** The agent who filed it on the buyer's behalf. */
  filedBy?: string;
}

/**
 * Everything a complaint workflow starts from; the order workflow starts it as its child, or a
 * provider's dispute does (`source`, with the dispute and the provider's deadline).
 */
export interface ComplaintInput extends ComplaintFiling {
  complaintId: string;
  orderId: string;
  sku: string;
  createdAt: string;
  policy: ComplaintPolicy;
  /** Absent: the buyer filed it (and complaints filed before disputes existed). */
  source?: ComplaintSource;
  dispute?: DisputeState;
  /** The provider's deadline for our answer, when it sets one; else the policy's resolution time. */
  resolutionDueAt?: string;
}

export interface ComplaintMessage {
  at: string;
  from: 'buyer' | 'agent' | 'system';
  actor?: string;
  text: string;
}

export interface ComplaintView {
  complaintId: string;
  orderId: string;
  sku: string;
  /** Who brought it: the buyer, or a provider's dispute channel. */
  source?: ComplaintSource;
  /** Where it came in: `web` (the buyer's own), or the channel an agent filed it from; absent on the legacy release's complaints (web). */
  channel?: ComplaintChannel;
  /** The other channel's reference, when the agent gave one. */
  externalRef?: string;
  /** The agent who filed it on the buyer's behalf. */
  filedBy?: string;
  /** The provider's id for it (Stripe's dispute, WeChat Pay's complaint). */
  external?: { id: string; url?: string };
  /** The provider's dispute this complaint follows, where it stands, and how it ended. */
  dispute?: DisputeState;
  category: ComplaintCategory;
  description: string;
  evidence: string[];
  status: ComplaintStatus;
  resolution?: 'replaced' | 'refunded' | 'rejected';
  createdAt: string;
  firstResponseDueAt: string;
  resolutionDueAt: string;
  firstRespondedAt?: string;
  resolvedAt?: string;
  closedAt?: string;
  /** While AWAITING_BUYER: when it closes unless the buyer answers. */
  buyerReplyDueAt?: string;
  /** While ESCALATED past its resolution deadline: when the agents are reminded next. */
  escalationReminderAt?: string;
  escalated: boolean;
  reopenCount: number;
  satisfaction?: { satisfied: boolean; rating?: number };
  /** Who resolved it: an agent's name, or `system` (the automatic re-check, a provider's dispute). */
  resolvedBy?: string;
  /** Evidence files sent with it (the API adds them from the store; the workflow never holds them). */
  attachments?: { attachmentId: string; contentType: string; bytes: number; from: 'buyer' | 'agent'; at: string }[];
  /** A key_invalid complaint's automatic re-check of its keys: what it found, and when (`unknown`: no answer in AUTO_RECHECK_WAIT). */
  autoRecheck?: { verdict: 'invalid' | 'valid' | 'unknown'; at: string };
  /** A remedy an agent asked for that the order has not finished (pending), or that failed after the agent was told it was under way. */
  remedy?: RemedyProgress;
  messages: ComplaintMessage[];
}

/**
 * A complaint's view carrying only its messages from `messagesFrom` on: the earlier ones are in the
 * read model already. The complaint workflow sends this to its projection and answers with it, so
 * its history grows with what is said, not with every step repeating the whole conversation.
 */
export interface ComplaintViewDelta extends ComplaintView {
  messagesFrom: number;
}

export function isViewDelta(view: ComplaintView | ComplaintViewDelta): view is ComplaintViewDelta {
  return typeof (view as Partial<ComplaintViewDelta>).messagesFrom === 'number';
}

/**
 * The whole view from a delta and the messages said before it (a view the read model holds). Messages
 * are only ever appended, so any view with at least `messagesFrom` of them has the same first ones.
 */
export function withEarlierMessages(delta: ComplaintViewDelta, earlier: readonly ComplaintMessage[]): ComplaintView {
  const { messagesFrom, ...view } = delta;
  if (earlier.length < messagesFrom) {
    throw new Error(`complaint ${delta.complaintId}: the read model holds ${earlier.length} messages, fewer than the ${messagesFrom} said before this step`);
  }
  return { ...view, messages: [...earlier.slice(0, messagesFrom), ...delta.messages] };
}

export interface RemedyProgress {
  remedy: 'replace' | 'refund';
  status: 'pending' | 'failed';
  actor: string;
  requestedAt: string;
  detail?: string;
}

/** How long an agent's remedy may take before the answer is "pending" (HTTP 202) rather than its outcome. */
export const REMEDY_ANSWER_WITHIN = '2s';

/** The answer to a remedy still under way at the order. */
export interface RemedyPending {
  status: 'pending';
  orderId: string;
  complaintId: string;
}

/** The order's answer to a complaint filed on it. */
export interface ComplaintFiled {
  complaintId: string;
  status: 'OPEN';
  firstResponseDueAt: string;
  resolutionDueAt: string;
}

/** A remedy a complaint asks its order to carry out; the order is the only one that moves keys and money. */
export interface RemedyRequest {
  complaintId: string;
  remedy: 'replace' | 'refund';
  actor: string;
  note?: string;
}

export interface RemedyOutcome {
  ok: boolean;
  /** What happened, in words fit for the complaint's messages (never a code). */
  detail: string;
}
