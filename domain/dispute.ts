import type { ComplaintCategory, ComplaintPolicy } from './complaint';

/**
 * A payment provider's own dispute channel: a Stripe dispute (the buyer's bank charging back), or
 * a WeChat Pay 消费者投诉2.0 complaint. Each becomes a complaint the agents work, and its outcome
 * decides the money: a lost dispute means the bank gave the payment back already.
 */
export const DISPUTE_SOURCES = ['stripe_dispute', 'wechatpay'] as const;
export type DisputeSource = (typeof DISPUTE_SOURCES)[number];

/** Where a complaint came from: the buyer through the product, or a provider's dispute channel. */
export type ComplaintSource = 'buyer' | DisputeSource;

/**
 * How a dispute ended: `won` (the payment stays ours), `lost` (the bank returned it to the buyer),
 * or `completed` (WeChat Pay's complaint finished; no money moves by itself).
 */
export type DisputeOutcome = 'won' | 'lost' | 'completed';

/** An authentic provider event about a dispute, as the webhook hands it on (never parsed before it is verified). */
export interface DisputeNotice {
  /** The provider's event id: the same event again changes nothing. */
  eventId: string;
  source: DisputeSource;
  /** The provider's dispute or complaint id. */
  externalId: string;
  /** The provider's own word for what happened (Stripe's event type, WeChat Pay's action_type). */
  action: string;
  /** The merchant whose address the notice came to: the dispute is read with its account (absent = the first shop's). */
  merchantId?: string;
  /** Stripe: the dispute as the event carries it. WeChat Pay's notice names only the complaint: it is read from the API. */
  stripe?: {
    paymentIntentId: string | null;
    reason: string;
    status: string;
    amount: number;
    currency: string;
    dueBy: number | null;
  };
}

/** What is known of a dispute after asking its provider: the order it is on, why, and where it stands. */
export interface DisputeFacts {
  /** Our order (the merchant order number); null when the provider names none of ours. */
  orderId: string | null;
  reason: string;
  /** The provider's status word (Stripe `needs_response`, `won`…; WeChat Pay `PENDING`, `PROCESSED`…). */
  status: string;
  outcome?: DisputeOutcome;
  /** When the provider wants our answer by (Stripe's evidence due date). */
  dueBy?: string;
  category: ComplaintCategory;
}

/** A dispute as the complaint and the order show it. */
export interface DisputeState {
  source: DisputeSource;
  id: string;
  reason: string;
  status: string;
  outcome?: DisputeOutcome;
  dueBy?: string;
}

/** What the dispute tells the order it is on: a dispute opened, or how it ended. */
export interface PaymentDispute {
  source: DisputeSource;
  id: string;
  complaintId: string;
  reason: string;
  outcome?: DisputeOutcome;
}

/** What the dispute's workflow starts from: which dispute, and the complaint policy of the day. */
export interface DisputeStart {
  source: DisputeSource;
  externalId: string;
  /** The merchant's deadlines (its own complaint policy, else the platform's). */
  policy: ComplaintPolicy;
  /** The merchant whose account the dispute is at: only its orders are disputed by it (absent = any, as before merchants). */
  merchantId?: string;
}

export function disputeWorkflowId(source: DisputeSource, externalId: string): string {
  return `dispute-${source}-${externalId}`;
}

/** A provider's name for people: what the messages say. */
export function providerName(source: DisputeSource): string {
  return source === 'stripe_dispute' ? 'Stripe' : 'WeChat Pay';
}

/** Stripe's dispute statuses: `lost` is money gone; `won`, `warning_closed` and `prevented` leave it ours. */
export function stripeOutcome(status: string): DisputeOutcome | undefined {
  if (status === 'lost') return 'lost';
  if (status === 'won' || status === 'warning_closed' || status === 'prevented') return 'won';
  return undefined;
}
