/**
 * The one vocabulary the API and the workflows share. Signals carry outside events that must not be
 * lost; updates carry human actions that need a yes or no at once; queries serve views.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  ComplaintAction,
  ComplaintFiled,
  ComplaintFiling,
  ComplaintPolicy,
  ComplaintView,
  ComplaintViewDelta,
  RemedyOutcome,
  RemedyPending,
  RemedyRequest,
} from '../domain/complaint';
import type { DisputeNotice, DisputeState, PaymentDispute } from '../domain/dispute';
import type { OrderStatus, OrderView, PaymentNotice } from '../domain/order';
import type { Compensation } from '../domain/compensation';
import type { IncidentView } from '../domain/incident';
import type { OrderState } from '../domain/orderLife';
import type { RecordState } from './order/record';

export const paymentNotified = defineSignal<[PaymentNotice]>('paymentNotified');

export interface ActorInput {
  actor: string;
}
export interface StatusAnswer {
  status: OrderStatus;
}

export const cancelOrder = defineUpdate<StatusAnswer, [ActorInput & { reason?: string }]>('cancelOrder');
export const requestRefund = defineUpdate<StatusAnswer, [ActorInput & { reason: string }]>('requestRefund');
export const decideRefund = defineUpdate<StatusAnswer, [ActorInput & { approve: boolean; note?: string }]>('decideRefund');
/** Offered to an OUT_OF_STOCK order after an import; answers once the order has tried to take keys. */
export const offerRestock = defineUpdate<StatusAnswer, []>('offerRestock');
/** Import → the sku's restock owner (signal-with-start): new keys of the sku are in stock. */
export const stockArrived = defineSignal('stockArrived');

export const orderView = defineQuery<OrderView>('orderView');
/** The order's whole state and record, also of a closed run: what an incident's reconciliation revives a cancelled order from. */
export const orderCarry = defineQuery<{ state: OrderState; record: RecordState }>('orderCarry');

/** The failure type a validator throws when an action does not fit the state; the API answers 409. */
export const CONFLICT = 'Conflict';

// ── Complaints ──────────────────────────────────────────────────────────────────────────────────

/** Buyer files a complaint on the order; the order starts the complaint workflow as its child. */
export const fileComplaint = defineUpdate<ComplaintFiled, [ComplaintFiling & { policy: ComplaintPolicy }]>('fileComplaint');
/** Complaint → order: carry out a remedy (new key, or refund); the order answers with remedyApplied. */
export const complaintRemedy = defineSignal<[RemedyRequest]>('complaintRemedy');
/** Order → complaint: how the remedy went. */
export const remedyApplied = defineSignal<[RemedyOutcome]>('remedyApplied');

/**
 * Agent actions on a complaint; answers the complaint view, or 409 (Conflict) when it does not fit,
 * or pending when a remedy needs the order longer than REMEDY_ANSWER_WITHIN. Complaints filed since
 * complaint-projects-new-messages answer it with only its latest messages (the API adds the rest).
 */
export const complaintAction = defineUpdate<ComplaintView | ComplaintViewDelta | RemedyPending, [{ action: ComplaintAction; note?: string; actor: string }]>('complaintAction');
export const buyerReply = defineUpdate<ComplaintView | ComplaintViewDelta, [{ message: string }]>('buyerReply');
export const buyerConfirm = defineUpdate<ComplaintView | ComplaintViewDelta, [{ satisfied: boolean; rating?: number; comment?: string }]>('buyerConfirm');
export const complaintView = defineQuery<ComplaintView>('complaintView');

/** Wakes the report fold that keeps watch to fold now rather than at its next interval (the backfill sends it). */
export const foldReportNow = defineSignal('foldReportNow');

// ── Provider disputes ───────────────────────────────────────────────────────────────────────────

/** Provider → dispute: an authentic event about one dispute (signal-with-start: the first one starts it). */
export const disputeNoticed = defineSignal<[DisputeNotice]>('disputeNoticed');
/** Dispute → order: its payment is disputed, or how the dispute ended (a lost one: the bank returned the money). */
export const paymentDisputed = defineSignal<[PaymentDispute]>('paymentDisputed');
/** Dispute → complaint: where the provider's dispute stands now. */
export const disputeChanged = defineSignal<[DisputeState]>('disputeChanged');

// ── Refunds ─────────────────────────────────────────────────────────────────────────────────────

/** Refund → order: the refund went through, was refused (and waits on a person), or became moot. */
export const refundProgress = defineSignal<[RefundProgress]>('refundProgress');
export interface RefundProgress {
  refundId: string;
  outcome: 'paid' | 'refused' | 'moot';
  reason?: string;
}
/** Order → refund: the money is no longer ours to send (a lost dispute: the bank has paid it). */
export const refundMoot = defineSignal('refundMoot');

// ── Incidents ───────────────────────────────────────────────────────────────────────────────────

export const incidentView = defineQuery<IncidentView>('incidentView');
/** Ops resolve the incident with the note the public reads; 409 once it is resolved. */
export const resolveIncident = defineUpdate<IncidentView, [ActorInput & { publicNote: string }]>('resolveIncident');
/** Ops ask for the incident's orders cancelled without a notice to be asked about at their provider; answered once queued. */
export const reconcileIncident = defineUpdate<{ status: 'reconciling' }, [ActorInput & { note?: string }]>('reconcileIncident');
/** Ops make good what the incident cost: a coupon per affected buyer, emailed, once; answered when granted (409: other terms than before). */
export const compensateIncident = defineUpdate<{ coupons: number }, [ActorInput & { terms: Compensation }]>('compensateIncident');
