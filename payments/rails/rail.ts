import { ApplicationFailure } from '@temporalio/common';
import type { DisputeFacts, DisputeNotice } from '../../domain/dispute';
import type { Money } from '../../domain/money';
import type { PaymentNotice } from '../../domain/order';
import { PROVIDER_REFUSED, type Checkout, type PaymentMethod } from '../../domain/payment';

/** What a checkout is made for: the provider's order is our order, payable until the order is due. */
export interface CheckoutOrder {
  orderId: string;
  amount: Money;
  /** The provider's order expires then, so late payments (and the refunds they force) are rare. */
  dueAt: string;
  subject: string;
}

/** A checkout as created, and what we keep of it to ask the provider later (Stripe's PaymentIntent id). */
export interface OpenedCheckout {
  checkout: Checkout;
  providerRef?: string;
}

export interface RailRefund {
  /** The provider's idempotency key: one refund id pays out once, however often it is sent. */
  refundId: string;
  orderId: string;
  paymentId: string;
  amount: Money;
  reason: string;
}

export interface FoundPayment {
  paymentId: string;
  status: 'succeeded' | 'failed';
  amount: Money;
  /**
   * When the buyer paid, as the provider records it (ISO), when it says: an order that learns of its
   * payment only by asking is paid from then, not from when it asked (docs/incidents.md).
   */
  paidAt?: string;
}

/** An incoming provider request exactly as it came: verified over these raw bytes first. */
export interface NoticeRequest {
  method: string;
  raw: Buffer;
  query: URLSearchParams;
  header(name: string): string | undefined;
}

export type NoticeOutcome =
  /** Authentic and a payment event: handed to the order like a generic notice. */
  | { kind: 'payment'; notice: PaymentNotice }
  /** Authentic and about a dispute (a chargeback, a 消费者投诉): handed to the dispute's workflow. */
  | { kind: 'dispute'; dispute: DisputeNotice }
  /** Authentic, but nothing to pay (another event type, a refund's notice): acknowledged. */
  | { kind: 'ignored'; why: string }
  /**
   * Not authentic, stale, or not for this merchant: nothing recorded, the provider hears no.
   * `wrongMerchant` names the field that says whose it is, when the signature held but the event is another's.
   */
  | { kind: 'refused'; why: string; wrongMerchant?: { field: string } };

export interface NoticeReply {
  status: number;
  text?: string;
  json?: unknown;
}

/**
 * One way money comes in and goes back. Every rail makes a checkout for an order, refunds a payment
 * under our refund id as its idempotency key, and says what it knows of an order's payments (for
 * reconciliation when a notice is lost). A provider's rail also verifies its own notices.
 */
export interface PaymentRail {
  readonly method: PaymentMethod;
  /** Currencies the rail can take; absent = any. */
  readonly currencies?: readonly string[];
  checkout(order: CheckoutOrder): Promise<OpenedCheckout>;
  refund(refund: RailRefund): Promise<void>;
  findPayments(order: { orderId: string; providerRef?: string }): Promise<FoundPayment[]>;
  /**
   * Close the provider's order of a cancelled order, so it cannot be paid late (and refunded after).
   * Done when closed, never opened, or already settled; only an unreachable provider is retried.
   * False when the rail has nothing to close (no such API: its own expiry ends the order).
   */
  close(order: { orderId: string; providerRef?: string }): Promise<boolean>;
}

export interface ProviderRail extends PaymentRail {
  /** Verify over the raw bytes, then translate; never throws on what a caller sent. */
  verifyNotice(request: NoticeRequest): NoticeOutcome;
  /**
   * A provider with a dispute channel reads what it knows of a dispute: the order it is on (from
   * the provider's own records), the reason, the status and its outcome once there is one.
   */
  readDispute?(notice: DisputeNotice): Promise<DisputeFacts>;
  /** The answer the provider expects, so it stops (or keeps) retrying. */
  reply(outcome: NoticeOutcome): NoticeReply;
}

/**
 * The provider refused for good (a 4xx that is not about timing): asking again changes nothing, so
 * the activity fails at once and the order shows the refund as needing a person.
 */
export function providerRefused(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, PROVIDER_REFUSED);
}


/** The provider did not answer as hoped; the activity backs off and asks again. */
export function providerFailed(type: 'ProviderRefundFailed' | 'ProviderLookupFailed' | 'ProviderCheckoutFailed' | 'ProviderCloseFailed' | 'ProviderDisputeLookupFailed' | 'ProviderReplyFailed', message: string): ApplicationFailure {
  return ApplicationFailure.retryable(message, type);
}
