import { ORDER_STATUSES } from './order';

/** What the storefront is told. Statuses and ids only: a key's code never leaves this way. */
export interface Notification {
  eventId: string;
  type: string;
  orderId: string;
  complaintId?: string;
  status: string;
  at: string;
}

/** The steps of a complaint the storefront hears of, as `complaint.<step>`; the complaint workflow names its steps from these. */
export const COMPLAINT_STEPS = {
  opened: 'the complaint workflow has started (status OPEN)',
  acknowledged: 'an agent acknowledged it',
  info_requested: 'an agent asked the buyer for more (AWAITING_BUYER)',
  buyer_replied: 'the buyer replied',
  escalated: 'an agent escalated it, or the buyer reopened it once too often',
  first_response_overdue: 'no agent answered by firstResponseDueAt: escalated',
  resolution_overdue: 'not resolved by resolutionDueAt: escalated',
  escalation_reminder: 'still unresolved past its deadline: the agents are reminded (every COMPLAINT_ESCALATION_REMINDER)',
  rechecked: "a key_invalid complaint's keys were re-checked at once (autoRecheck): invalid, valid, or no answer in time",
  remedy_pending: 'a replacement or refund is under way at the order',
  remedy_failed: 'a replacement or refund could not be carried out',
  resolved: 'resolved (replaced, refunded or rejected); waiting for the buyer to confirm',
  reopened: 'the buyer was not satisfied: back to ACKNOWLEDGED',
  closed: 'closed (confirmed, no answer in time, or the buyer never replied)',
  dispute_updated: "the provider's dispute on the payment (Stripe dispute, WeChat Pay complaint) opened or changed",
  dispute_closed: "the provider's dispute ended (won, lost, completed) on a complaint already resolved or closed",
  provider_reply_failed: "an agent's reply (or the completion) did not reach the provider's complaint (WeChat Pay): refused, or not taken within 2 hours; the complaint's messages say why",
} as const;
export type ComplaintStep = keyof typeof COMPLAINT_STEPS;

/**
 * Every event type the storefront's webhook receives, with when it is sent: the order's own
 * (`order.<status>` as it moves), the complaint's (`complaint.<step>`), and the product's stock.
 */
export const WEBHOOK_EVENTS: readonly { type: string; when: string; body: 'order' | 'stock' }[] = [
  { type: 'order.created', when: 'the order was started (AWAITING_PAYMENT)', body: 'order' },
  ...ORDER_STATUSES.filter((s) => s !== 'AWAITING_PAYMENT').map((s) => ({ type: `order.${s.toLowerCase()}`, when: `the order moved to ${s}`, body: 'order' as const })),
  { type: 'order.keys_replaced', when: "a complaint's resolution delivered a new key (complaintId set)", body: 'order' },
  { type: 'payment.refunded', when: 'a payment not taken for the order (late, second, mismatched) was refunded', body: 'order' },
  { type: 'complaint.filed', when: 'the buyer filed a complaint on the order (complaintId set)', body: 'order' },
  ...Object.entries(COMPLAINT_STEPS).map(([step, when]) => ({ type: `complaint.${step}`, when: `${when} (complaintId set; status is the complaint's)`, body: 'order' as const })),
  { type: 'stock.low', when: "the product's available stock fell to its lowStockThreshold or below (once per crossing)", body: 'stock' },
  { type: 'stock.out', when: "the product's available stock reached 0 (once per crossing)", body: 'stock' },
];
