import { stockId } from './merchant';
import type { BuyerLocale } from './buyerEmail';
import { parseDuration } from './duration';
import { maskEmail } from './masking';
import { multiply, type Money } from './money';
import type { OrderPayment, PaymentMethod } from './payment';

export const ORDER_STATUSES = [
  'AWAITING_PAYMENT',
  'PAID',
  'DELIVERING',
  'DELIVERED',
  'COMPLETED',
  'OUT_OF_STOCK',
  'REFUND_REQUESTED',
  'REFUNDING',
  'REFUNDED',
  'CANCELLED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const TERMINAL_ORDER_STATUSES: readonly OrderStatus[] = ['COMPLETED', 'REFUNDED', 'CANCELLED'];

export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL_ORDER_STATUSES.includes(status);
}

/** Statuses where an order is waiting on people or the outside world by design, so not "stuck". */
export const PATIENT_ORDER_STATUSES: readonly OrderStatus[] = ['AWAITING_PAYMENT', 'DELIVERED'];

/** Statuses an order passes through while work is done for it; one that sits in them too long is stuck. */
export const WORKING_ORDER_STATUSES: readonly OrderStatus[] = ORDER_STATUSES.filter((s) => !TERMINAL_ORDER_STATUSES.includes(s) && !PATIENT_ORDER_STATUSES.includes(s));

/**
 * Which order actions fit which status; anything else is a conflict (409) that says the status.
 * The order workflow's validators and the keys route refuse by this table, and the API's
 * description prints it. Each action has further conditions of its own (ORDER_ACTION_TERMS).
 */
export const ORDER_ACTION_FITS = {
  cancel: ['AWAITING_PAYMENT'],
  refundRequest: ['DELIVERED', 'OUT_OF_STOCK'],
  refundDecision: ['REFUND_REQUESTED'],
  fileComplaint: ORDER_STATUSES.filter((s) => s !== 'AWAITING_PAYMENT' && s !== 'CANCELLED'),
  keys: ['DELIVERED', 'REFUND_REQUESTED', 'COMPLETED'],
} as const satisfies Record<string, readonly OrderStatus[]>;
export type OrderAction = keyof typeof ORDER_ACTION_FITS;

export function orderActionFits(action: OrderAction, status: OrderStatus): boolean {
  return (ORDER_ACTION_FITS[action] as readonly OrderStatus[]).includes(status);
}

/** How long an order may sit in a working status before ops count it as stuck (/v1/ops/stuck's default, the metric's line). */
export const STUCK_AFTER = '30m';

/** What an order's timer windows are, fixed when it is created so later catalog edits don't move them. */
export interface OrderPolicy {
  paymentTimeoutMs: number;
  restockWaitMs: number;
  maxKeyAttempts: number;
  refundWindowMs: number;
  complaintWindowMs: number;
  /** How long a refund request waits for an agent's decision; absent in orders taken before it existed. */
  refundDecisionWaitMs?: number;
  /** Past this many history events a waiting order carries on in a new run; absent in older orders. */
  historyEvents?: number;
}

/** Everything the order workflow starts from. No secrets: the buyer's email arrives masked. */
export interface OrderInput {
  orderId: string;
  sku: string;
  quantity: number;
  unitPrice: Money;
  amount: Money;
  buyerEmailMasked: string;
  createdAt: string;
  paymentDueAt: string;
  policy: OrderPolicy;
  /** The rail the order was created with, for its whole life; absent on orders older than rails (generic). */
  payment?: { method: PaymentMethod };
  /**
   * Who the order lists show it to (the storefront that took it) and the buyer's email by keyed
   * hash, as the API kept them at intake; carried so the read model need not read them back at
   * every step. Absent on orders taken before it was carried.
   */
  listing?: OrderListing;
  /**
   * Whether the product named a supplier to check its keys with when the order was taken. Without
   * one a key's check is our own store's (pattern, twins) and runs beside the order's other store
   * steps, not as a trip through the server's task queue. Absent on orders taken before.
   */
  supplierCheck?: boolean;
  /** The language the buyer is written to in (absent: zh-CN); order_access keeps it for the emails. */
  buyerLocale?: BuyerLocale;
  /**
   * Whether the buyer is emailed (keys delivered, refund paid): SMTP_URL was set when the order was
   * taken. The order workflow calls emailBuyer (workflows/email.ts) only when it is.
   */
  emailBuyer?: boolean;
  /**
   * The coupon the order was taken with (held for it at intake, db/coupons.ts): `amount` above is
   * the list price less `discount`, and that is what the buyer pays and a refund pays back.
   */
  coupon?: AppliedCoupon;
}

/** A coupon on an order: its code, and the price it was applied to and what it took off. */
export interface AppliedCoupon {
  code: string;
  listPrice: Money;
  discount: Money;
}

export interface OrderListing {
  storefront: string;
  emailHash?: string;
  /** The merchant whose order it is; absent for `default` (and on orders taken before merchants). */
  merchantId?: string;
}

/** Who lists an order, from a record that holds it (order_access, an order's input): nothing more. */
export function listingOf({ storefront, emailHash, merchantId }: OrderListing): OrderListing {
  return { storefront, ...(emailHash ? { emailHash } : {}), ...(merchantId ? { merchantId } : {}) };
}

/** The stock an order's keys come from: its sku in its merchant's catalog (domain/merchant.ts). */
export function stockOfOrder(input: Pick<OrderInput, 'sku' | 'listing'>): string {
  return stockId(input.listing?.merchantId, input.sku);
}

export interface TimelineEntry {
  at: string;
  type: string;
  actor?: string;
  detail?: string;
}

export type RefundStatus = 'REQUESTED' | 'APPROVED' | 'REJECTED' | 'REFUNDED';

export interface RefundView {
  status: RefundStatus;
  reason: string;
  requestedAt: string;
  /** When a request no agent has decided is approved without one. */
  decisionDueAt?: string;
  decidedBy?: string;
  decidedAt?: string;
  note?: string;
  refundedAt?: string;
}

export interface DeliveredKey {
  keyId: string;
  masked: string;
}

/** The order as every caller sees it; the API swaps in the buyer's own email for the buyer. */
export interface OrderView {
  orderId: string;
  sku: string;
  quantity: number;
  amount: Money;
  status: OrderStatus;
  buyer: { email: string };
  createdAt: string;
  paymentDueAt: string;
  paidAt?: string;
  paymentId?: string;
  /** The rail and what the buyer pays with; on orders of a provider's rail only. */
  payment?: OrderPayment;
  deliveredAt?: string;
  refundWindowEndsAt?: string;
  complaintWindowEndsAt?: string;
  keys: DeliveredKey[];
  refund: RefundView | null;
  complaints: string[];
  timeline: TimelineEntry[];
  /** Set while the order waits on a person (a refund the provider refused); ops list it as stuck. */
  attention?: { reason: string; since: string };
  /** With a coupon only: the price before it and what it took off (`amount` is what the buyer pays). */
  listPrice?: Money;
  discount?: Money;
  coupon?: string;
}

/** The shop's standing terms an order is taken under (from configuration). */
export interface OrderTerms {
  paymentTimeoutMs: number;
  restockWaitMs: number;
  maxKeyAttempts: number;
  refundDecisionWaitMs: number;
  orderHistoryEvents: number;
  /** Whether buyers are emailed (SMTP_URL is set). */
  emailBuyer?: boolean;
}

/**
 * An order's workflow input, priced from the catalog and fixed at creation: later catalog or
 * configuration changes do not move an order's windows. The buyer's email goes in masked only.
 */
export function newOrderInput(order: {
  orderId: string;
  product: { sku: string; price: Money; refundWindow: string; complaintWindow: string };
  quantity: number;
  buyerEmail: string;
  createdAt: string;
  terms: OrderTerms;
  method?: PaymentMethod;
  listing?: OrderListing;
  supplierCheck?: boolean;
  buyerLocale?: BuyerLocale;
  /** A coupon held for the order, with the price it gives (domain/coupons.ts priceWith). */
  coupon?: AppliedCoupon & { amount: Money };
}): OrderInput {
  const { product, terms, createdAt } = order;
  return {
    orderId: order.orderId,
    sku: product.sku,
    quantity: order.quantity,
    unitPrice: product.price,
    amount: multiply(product.price, order.quantity),
    buyerEmailMasked: maskEmail(order.buyerEmail),
    createdAt,
    paymentDueAt: new Date(Date.parse(createdAt) + terms.paymentTimeoutMs).toISOString(),
    policy: {
      paymentTimeoutMs: terms.paymentTimeoutMs,
      restockWaitMs: terms.restockWaitMs,
      maxKeyAttempts: terms.maxKeyAttempts,
      refundWindowMs: parseDuration(product.refundWindow),
      complaintWindowMs: parseDuration(product.complaintWindow),
      refundDecisionWaitMs: terms.refundDecisionWaitMs,
      historyEvents: terms.orderHistoryEvents,
    },
    ...(order.method ? { payment: { method: order.method } } : {}),
    ...(order.listing ? { listing: order.listing } : {}),
    ...(order.supplierCheck !== undefined ? { supplierCheck: order.supplierCheck } : {}),
    ...(order.buyerLocale ? { buyerLocale: order.buyerLocale } : {}),
    ...(terms.emailBuyer ? { emailBuyer: true } : {}),
    ...(order.coupon ? { amount: order.coupon.amount, coupon: { code: order.coupon.code, listPrice: order.coupon.listPrice, discount: order.coupon.discount } } : {}),
  };
}

/** A payment provider's notice, as the signed webhook carries it. */
export interface PaymentNotice {
  eventId: string;
  orderId: string;
  paymentId: string;
  status: 'succeeded' | 'failed';
  amount: Money;
  /** The rail that carried it, and so the one that refunds it; absent = generic. */
  method?: PaymentMethod;
  /** When the buyer paid, as the provider records it: carried by a payment found by asking the provider. */
  paidAt?: string;
}

export function orderWorkflowId(orderId: string): string {
  return `order-${orderId}`;
}
