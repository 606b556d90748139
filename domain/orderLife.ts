/**
 * The life of one card-key order, as decisions: `decide(state, event, at)` says what the order
 * becomes and what must be done in the world. No I/O, no clock, no Temporal: the order workflow
 * feeds it events one at a time and carries out its effects.
 *
 *   AWAITING_PAYMENT ─paid─▶ PAID ─▶ DELIVERING ─▶ DELIVERED ─refund window ends─▶ COMPLETED
 *        │                     │ no stock: OUT_OF_STOCK ─restock─▶ DELIVERING
 *        │                     │           └─ the wait ends ─▶ REFUNDING ─▶ REFUNDED
 *        └─ due with nothing found at the provider, or cancelled ─▶ CANCELLED
 *   OUT_OF_STOCK ─buyer asks─▶ REFUNDING ─▶ REFUNDED (no key was delivered: no agent needed)
 *   DELIVERED ─buyer asks─▶ REFUND_REQUESTED ─agent approves (or nobody decides in time)─▶ REFUNDING ─▶ REFUNDED
 *                                           └─ agent rejects ─▶ DELIVERED
 *
 * Money: the first payment of the right amount while the order awaits payment pays it; any other
 * success is given back by a refund of its own that nobody waits for. The order waits only for the
 * refund that ends it. While a provider's dispute holds the payment, nothing is refunded; a lost
 * dispute ends the order REFUNDED by the bank, with no refund of ours.
 */
import type { ComplaintFiling, ComplaintPolicy, RemedyOutcome, RemedyRequest } from './complaint';
import type { ReleaseCause } from './coupons';
import { providerName, type PaymentDispute } from './dispute';
import { formatMoney, sameMoney, type Money } from './money';
import { orderActionFits, type DeliveredKey, type OrderInput, type OrderStatus, type OrderView, type PaymentNotice, type TimelineEntry } from './order';
import { methodOf, type Checkout, type PaymentMethod } from './payment';

/** The one refund id a payment can ever have, whichever path refunds it: it pays out once. */
export function refundIdFor(orderId: string, paymentId: string): string {
  return `refund-${orderId}-${paymentId}`;
}

/**
 * The one workflow that settles a payment found after its order's workflow closed: a late notice's
 * (strayPayment: refunded) or an incident's reconciliation (paymentFoundLate: the order made good).
 * Sharing the id, whichever starts first is the only one.
 */
export function latePaymentWorkflowId(orderId: string, paymentId: string): string {
  return `stray-payment-${orderId}-${paymentId}`;
}

/** How many keys each slot has tried, and from which attempt its current allowance counts. */
export interface KeyAttempts {
  attempts: number[];
  allowanceFrom: number[];
}

export interface OrderState {
  input: OrderInput;
  view: OrderView;
  statusSince: string;
  /** Notice event ids and payment ids handled: each is acted on once. */
  seenNotices: string[];
  handledPayments: string[];
  paidVia?: PaymentMethod;
  keys: KeyAttempts & { taking: 'first' | 'replacement' | null };
  restock: { deadline?: string; offers: number; covered: number; answered: number; lookedOnce: boolean };
  /** The buyer's pending refund request's number, so a decision deadline of an earlier one does nothing. */
  refundRequests: number;
  windows: { refundOver: boolean; complaintOver: boolean };
  openComplaint?: string;
  dispute?: PaymentDispute;
  /** Money the order owes back and has not started paying (a dispute holds it, or keys are being taken). */
  owed?: { reason: string; actor: string };
  /** The order's own refund, once started: the order ends when it settles. */
  ownRefund?: { refundId: string };
  /** Remedies answered when the order's own refund settles. */
  refundRemedies: RemedyRequest[];
  /** The incident whose reconciliation found this cancelled order paid at its provider: it is made good now, not kept waiting. */
  foundLateBy?: string;
}

export type KeysResult =
  | { outcome: 'ready'; keys: DeliveredKey[] }
  | { outcome: 'out_of_stock' }
  | { outcome: 'keys_exhausted'; slot: number }
  | { outcome: 'stopped' }
  | { outcome: 'failed'; reason: string };

export interface RefusedKey {
  keyId: string;
  masked: string;
  slot: number;
  reason: string;
}

export type OrderEvent =
  | { type: 'created' }
  | { type: 'paymentNotice'; notice: PaymentNotice }
  | { type: 'paymentDue' }
  | { type: 'reconciled'; found: PaymentNotice[] }
  | { type: 'checkoutOpened'; checkout: Checkout }
  | { type: 'providerOrderClosed'; closed: boolean | 'failed' }
  | { type: 'cancel'; actor: string; reason?: string }
  | { type: 'cancelledInTemporal' }
  | { type: 'keysHeld' }
  | { type: 'keysTaken'; result: KeysResult; refused: RefusedKey[]; attempts: KeyAttempts }
  | { type: 'restockOffered' }
  | { type: 'restockLook' }
  | { type: 'restockDeadline' }
  | { type: 'refundRequested'; actor: string; reason: string }
  | { type: 'refundDecided'; actor: string; approve: boolean; note?: string }
  | { type: 'refundDecisionDue'; request: number }
  | { type: 'refundWindowEnded' }
  | { type: 'complaintWindowEnded' }
  | { type: 'complaintFiled'; complaintId: string; filing: ComplaintFiling & { policy: ComplaintPolicy }; actor: string }
  | { type: 'complaintClosed'; complaintId: string }
  | { type: 'remedyRequested'; request: RemedyRequest }
  | { type: 'keysReplaced'; request: RemedyRequest; result: KeysResult; refused: RefusedKey[]; attempts: KeyAttempts; oldKeyIds: string[] }
  | { type: 'refundProgress'; refundId: string; outcome: 'paid' | 'refused' | 'moot'; reason?: string }
  | { type: 'disputed'; dispute: PaymentDispute }
  /** An incident's reconciliation found this order, cancelled without its notice, paid at its provider. */
  | { type: 'paymentFoundLate'; notice: PaymentNotice; incidentId: string }
  /** Its payment, found after its cancel gave the coupon back, redeemed the coupon with no room left on it. */
  | { type: 'couponOverLimit'; code: string };

export type TimerName = 'paymentDue' | 'restockLook' | 'restockDeadline' | 'refundDecisionDue' | 'refundWindowEnded' | 'complaintWindowEnded';

export type OrderEffect =
  /** Write the view to the read model and raise these storefront events (`passing`: with the next write). */
  | { type: 'write'; events: string[]; complaintId?: string; passing?: boolean }
  | { type: 'timer'; name: TimerName; at: string; request?: number }
  | { type: 'openCheckout' }
  | { type: 'closeAtProvider' }
  | { type: 'reconcile' }
  | { type: 'takeKeys'; purpose: 'first' | 'replacement'; request?: RemedyRequest }
  | { type: 'stopTakingKeys' }
  | { type: 'releaseKeys' }
  | { type: 'markDelivered'; keyIds: string[] }
  | { type: 'markInvalid'; keyIds: string[] }
  | { type: 'revokeKeys'; keyIds: string[] }
  /** A refund of its own (a workflow per refund id). `awaited`: the order ends when it settles. */
  | { type: 'refund'; refundId: string; paymentId: string; amount: Money; reason: string; method?: PaymentMethod; awaited: boolean }
  | { type: 'refundMoot'; refundId: string }
  | { type: 'answerRemedy'; request: RemedyRequest; outcome: RemedyOutcome }
  /** Tell the buyer by email (when the shop sends email), once per event id. */
  | { type: 'emailBuyer'; kind: 'keys_delivered' | 'refund_paid'; eventId: string }
  | { type: 'startComplaint'; complaintId: string; filing: ComplaintFiling & { policy: ComplaintPolicy }; createdAt: string }
  /** The coupon held for the order at intake is redeemed by its payment (once per order). */
  | { type: 'redeemCoupon'; code: string; paymentId: string }
  /** The coupon's hold is given back: the order was cancelled unpaid, or its payment went back. */
  | { type: 'releaseCoupon'; code: string; because: ReleaseCause };

export interface Decision {
  state: OrderState;
  effects: OrderEffect[];
  /** An ask that does not fit the order as it stands: nothing changed, and this says why (a 409). */
  refused?: string;
}

export function newOrderState(input: OrderInput): OrderState {
  return {
    input,
    view: {
      orderId: input.orderId,
      sku: input.sku,
      quantity: input.quantity,
      amount: input.amount,
      status: 'AWAITING_PAYMENT',
      buyer: { email: input.buyerEmailMasked },
      createdAt: input.createdAt,
      paymentDueAt: input.paymentDueAt,
      keys: [],
      refund: null,
      complaints: [],
      timeline: [],
      ...(input.coupon ? { listPrice: input.coupon.listPrice, discount: input.coupon.discount, coupon: input.coupon.code } : {}),
    },
    statusSince: input.createdAt,
    seenNotices: [],
    handledPayments: [],
    keys: { attempts: new Array<number>(input.quantity).fill(0), allowanceFrom: new Array<number>(input.quantity).fill(0), taking: null },
    restock: { offers: 0, covered: 0, answered: 0, lookedOnce: false },
    refundRequests: 0,
    windows: { refundOver: false, complaintOver: false },
    refundRemedies: [],
  };
}

/** A step of the order's life: a copy of the state to change, the effects it asks, and the time. */
class Step {
  readonly effects: OrderEffect[] = [];
  constructor(
    readonly state: OrderState,
    readonly at: string,
  ) {}

  get status(): OrderStatus {
    return this.state.view.status;
  }

  note(type: string, detail?: string, actor?: string): void {
    const entry: TimelineEntry = { at: this.at, type };
    if (actor) entry.actor = actor;
    if (detail) entry.detail = detail;
    this.state.view.timeline.push(entry);
  }

  /** Move to a status: the timeline says so, the read model and the storefront hear of it. */
  moveTo(status: OrderStatus, detail: string, actor?: string, passing = false): void {
    const from = this.status;
    this.state.view.status = status;
    this.state.statusSince = this.at;
    this.note(`status:${status}`, detail || `from ${from}`, actor);
    this.raise([`order.${status.toLowerCase()}`], undefined, passing);
  }

  /** Events for the storefront, written with the view; the timeline shows each was told. */
  raise(events: string[], complaintId?: string, passing = false): void {
    for (const type of events) this.note('notified', type);
    this.effects.push({ type: 'write', events, ...(complaintId ? { complaintId } : {}), ...(passing ? { passing } : {}) });
  }

  /** The view changed in a way someone may look for, with no event of its own. */
  write(): void {
    this.effects.push({ type: 'write', events: [] });
  }

  do(effect: OrderEffect): void {
    this.effects.push(effect);
  }
}

/** A deep copy of plain data (the state is JSON: it travels through continue-as-new). */
function copy(state: OrderState): OrderState {
  return JSON.parse(JSON.stringify(state)) as OrderState;
}

export function decide(state: OrderState, event: OrderEvent, at: string): Decision {
  const question = askOf(event);
  const refused = question && refusal(state, question, at);
  if (refused) return { state, effects: [], refused };
  const step = new Step(copy(state), at);
  HANDLERS[event.type](step, event as never);
  followCoupon(state, step);
  return { state: step.state, effects: step.effects };
}

/**
 * An order's coupon follows its money: the payment redeems it; a cancel before payment, or the
 * payment going back (refunded, or returned by the bank), gives it back for another order.
 */
function followCoupon(before: OrderState, step: Step): void {
  const coupon = step.state.input.coupon;
  if (!coupon) return;
  const { paymentId, status } = step.state.view;
  if (paymentId && !before.view.paymentId) {
    step.note('coupon_redeemed', `coupon ${coupon.code}: ${formatMoney(coupon.discount)} off ${formatMoney(coupon.listPrice)}`);
    step.do({ type: 'redeemCoupon', code: coupon.code, paymentId });
  }
  const ended = status !== before.view.status && (status === 'CANCELLED' || status === 'REFUNDED');
  if (ended) {
    const because = status === 'CANCELLED' ? 'cancelled' : 'refunded';
    step.note('coupon_released', `coupon ${coupon.code} may be used again: the order was ${because}`);
    step.do({ type: 'releaseCoupon', code: coupon.code, because });
  }
}

type Handlers = { [K in OrderEvent['type']]: (step: Step, event: Extract<OrderEvent, { type: K }>) => void };

const HANDLERS: Handlers = {
  created(step) {
    const { input } = step.state;
    if (input.coupon) step.note('coupon_applied', `coupon ${input.coupon.code}: ${formatMoney(input.coupon.discount)} off ${formatMoney(input.coupon.listPrice)}, ${formatMoney(input.amount)} to pay`);
    step.raise(['order.created']);
    step.do({ type: 'timer', name: 'paymentDue', at: input.paymentDueAt });
    if (methodOf(input) !== 'generic') {
      step.state.view.payment = { method: methodOf(input), checkout: null };
      step.do({ type: 'openCheckout' });
    }
  },

  checkoutOpened(step, { checkout }) {
    step.state.view.payment = { method: methodOf(step.state.input), checkout };
    step.write();
  },

  paymentNotice(step, { notice }) {
    takeNotice(step, notice);
  },

  paymentDue(step) {
    if (step.status !== 'AWAITING_PAYMENT') return;
    step.note('payment_due', 'no payment notice by the due time; asking the provider');
    step.do({ type: 'reconcile' });
  },

  reconciled(step, { found }) {
    for (const notice of found) takeNotice(step, notice);
    if (step.status !== 'AWAITING_PAYMENT') return;
    step.moveTo('CANCELLED', 'payment not received by its due time', 'system');
    closeAtProvider(step);
  },

  couponOverLimit(step, { code }) {
    // Money first: the buyer paid the discounted price, so the order keeps it; the coupon is one use over.
    step.note('coupon_over_limit', `coupon ${code} had no use left when this order's payment was found: redeemed one past its limit, the order kept at the price paid`);
    step.write();
  },

  providerOrderClosed(step, { closed }) {
    const { input } = step.state;
    const method = methodOf(input);
    if (closed === true) step.note('provider_order_closed', `closed at ${method}`);
    else if (closed === false) step.note('provider_order_expires', `${method} has no close; the order expires there at ${input.paymentDueAt}`);
    else step.note('provider_order_close_failed', `${method} did not close the order; it expires at ${input.paymentDueAt}`);
    step.write();
  },

  cancel(step, { actor, reason }) {
    step.moveTo('CANCELLED', reason ? `cancelled: ${reason}` : 'cancelled', actor);
    closeAtProvider(step);
  },

  cancelledInTemporal(step) {
    const { state } = step;
    if (step.status === 'AWAITING_PAYMENT') {
      step.moveTo('CANCELLED', 'cancelled in Temporal', 'ops');
      closeAtProvider(step);
    } else if (state.view.keys.length === 0 && !['REFUNDING', 'REFUNDED', 'CANCELLED'].includes(step.status)) {
      const reason = 'cancelled in Temporal before its keys were delivered';
      step.note('cancel_requested', `${reason}; the payment is refunded`, 'ops');
      giveMoneyBack(step, reason, 'ops');
    } else {
      step.note('cancel_requested', `cancelled in Temporal while ${step.status}: it runs to its end, as nothing is owed that a cancel would settle`, 'ops');
      step.write();
    }
  },

  keysHeld(step) {
    if (step.status === 'PAID' || step.status === 'OUT_OF_STOCK') step.moveTo('DELIVERING', '');
  },

  keysTaken(step, { result, refused, attempts }) {
    const { state } = step;
    if (state.keys.taking !== 'first') return; // no try of ours is in flight: nothing to take
    state.keys = { ...attempts, taking: null };
    state.restock.answered = state.restock.covered;
    // Keys were held and checked: the order was delivering, whatever came of it.
    if ((result.outcome === 'ready' || refused.length > 0) && (step.status === 'PAID' || step.status === 'OUT_OF_STOCK')) step.moveTo('DELIVERING', '', undefined, true);
    noteRefused(step, refused);
    if ((result.outcome === 'ready' || result.outcome === 'stopped') && state.owed) {
      // Asked for the money back while the keys were checked: nobody has seen them; back to stock.
      step.do({ type: 'releaseKeys' });
      step.note('keys_released', 'a refund was asked before the buyer could see the keys; they go back to stock');
      return payWhatIsOwed(step);
    }
    if (result.outcome !== 'ready') step.do({ type: 'releaseKeys' });
    if (state.owed) return payWhatIsOwed(step);
    switch (result.outcome) {
      case 'ready':
        return deliver(step, result.keys);
      case 'out_of_stock':
        return waitForStock(step);
      case 'keys_exhausted':
        return giveMoneyBack(step, `no valid key for slot ${result.slot + 1} after ${state.input.policy.maxKeyAttempts} attempts`, 'system');
      case 'failed':
        step.note('keys_failed', result.reason);
        return giveMoneyBack(step, `the keys could not be delivered: ${result.reason}`, 'system');
      case 'stopped':
        return undefined;
    }
  },

  restockOffered(step) {
    const { restock } = step.state;
    restock.offers += 1;
    if (!step.state.keys.taking && !step.state.owed) takeKeys(step, 'first');
  },

  restockLook(step) {
    if (step.status !== 'OUT_OF_STOCK' || step.state.keys.taking || step.state.owed) return;
    takeKeys(step, 'first');
  },

  restockDeadline(step) {
    if (step.status !== 'OUT_OF_STOCK' || step.state.owed) return;
    if (step.state.keys.taking) return; // the try in flight answers; its out-of-stock finds the deadline passed
    giveMoneyBack(step, `out of stock: no restock by ${step.state.restock.deadline}`, 'system');
  },

  refundRequested(step, { actor, reason }) {
    const { state } = step;
    if (step.status === 'OUT_OF_STOCK') {
      // No key was delivered, so there is nothing to decide: the money goes back at once.
      state.view.refund = { status: 'APPROVED', reason, requestedAt: step.at, decidedBy: 'system', decidedAt: step.at, note: 'paid and still waiting for stock' };
      step.note('refund_requested', reason, actor);
      return giveMoneyBack(step, reason, 'buyer');
    }
    state.refundRequests += 1;
    const dueAt = after(step.at, state.input.policy.refundDecisionWaitMs ?? DEFAULT_REFUND_DECISION_WAIT_MS);
    state.view.refund = { status: 'REQUESTED', reason, requestedAt: step.at, decisionDueAt: dueAt };
    step.moveTo('REFUND_REQUESTED', reason, actor);
    step.do({ type: 'timer', name: 'refundDecisionDue', at: dueAt, request: state.refundRequests });
  },

  refundDecided(step, { actor, approve, note }) {
    const refund = step.state.view.refund!;
    Object.assign(refund, { decidedBy: actor, decidedAt: step.at }, note ? { note } : {});
    if (approve) return approveRefund(step, actor, note);
    refund.status = 'REJECTED';
    step.note('refund_rejected', note, actor);
    step.moveTo('DELIVERED', 'refund request rejected', actor);
    // A window that ended while the request was pending: the order completes now.
    if (step.state.windows.refundOver) step.moveTo('COMPLETED', 'refund window ended');
  },

  refundDecisionDue(step, { request }) {
    const { state } = step;
    if (step.status !== 'REFUND_REQUESTED' || state.refundRequests !== request || state.view.refund?.status !== 'REQUESTED') return;
    // The shop's promise to the buyer: a request no agent decides in time is granted.
    approveRefund(step, 'system', `no agent decided by ${state.view.refund.decisionDueAt}; approved as the shop's terms promise`);
  },

  refundWindowEnded(step) {
    step.state.windows.refundOver = true;
    if (step.status === 'DELIVERED') step.moveTo('COMPLETED', 'refund window ended');
  },

  complaintWindowEnded(step) {
    step.state.windows.complaintOver = true;
  },

  complaintFiled(step, { complaintId, filing, actor }) {
    step.state.openComplaint = complaintId;
    step.state.view.complaints.push(complaintId);
    step.do({ type: 'startComplaint', complaintId, filing, createdAt: step.at });
    step.note('complaint_filed', `complaint ${complaintId}: ${filing.category}`, actor);
    step.raise(['complaint.filed'], complaintId);
  },

  complaintClosed(step, { complaintId }) {
    if (step.state.openComplaint === complaintId) delete step.state.openComplaint;
  },

  remedyRequested(step, { request }) {
    step.note('complaint_remedy_requested', `${request.remedy} on complaint ${request.complaintId}`, request.actor);
    const answer = (outcome: RemedyOutcome) => answerRemedy(step, request, outcome);
    const disputed = request.remedy === 'refund' ? refundRefusal(step.state) : undefined;
    if (disputed) return answer({ ok: false, detail: disputed });
    if (!step.state.view.paymentId) return answer({ ok: false, detail: `the order is ${step.status}; it was never paid` });
    if (step.status === 'REFUNDED') {
      return answer(request.remedy === 'refund' ? { ok: true, detail: 'the order had already been refunded' } : { ok: false, detail: 'the order has been refunded; there is no key to replace' });
    }
    if (request.remedy === 'refund') {
      if (step.state.view.refund?.status === 'REQUESTED') Object.assign(step.state.view.refund, { decidedBy: request.actor, decidedAt: step.at, note: request.note ?? 'refunded on a complaint' });
      step.state.refundRemedies.push(request);
      if (step.state.ownRefund) return; // answered when it settles
      return giveMoneyBack(step, `refund granted on complaint ${request.complaintId}`, request.actor);
    }
    if (step.state.view.keys.length === 0) return answer({ ok: false, detail: `the order is ${step.status}; no key has been delivered yet to replace` });
    if (step.state.keys.taking || step.state.ownRefund || step.state.owed) return answer({ ok: false, detail: `the order is ${step.status}; its keys cannot be replaced now` });
    takeKeys(step, 'replacement', request);
  },

  keysReplaced(step, { request, result, refused, attempts, oldKeyIds }) {
    const { state } = step;
    if (state.keys.taking !== 'replacement') return;
    state.keys = { ...attempts, taking: null };
    noteRefused(step, refused);
    if (result.outcome !== 'ready') {
      step.do({ type: 'releaseKeys' });
      const detail =
        result.outcome === 'out_of_stock'
          ? 'no stock to replace the key; import keys or refund instead'
          : result.outcome === 'failed'
            ? `no replacement key could be delivered: ${result.reason}`
            : 'no valid replacement key passed the check';
      answerRemedy(step, request, { ok: false, detail });
      if (state.owed) payWhatIsOwed(step);
      return;
    }
    if (state.owed) {
      step.do({ type: 'releaseKeys' });
      answerRemedy(step, request, { ok: false, detail: 'the order is being refunded; the replacement went back to stock' });
      return payWhatIsOwed(step);
    }
    step.do({ type: 'markDelivered', keyIds: result.keys.map((k) => k.keyId) });
    step.do({ type: 'markInvalid', keyIds: oldKeyIds });
    state.view.keys = result.keys;
    const masked = result.keys.map((k) => k.masked).join(', ');
    step.note('keys_replaced', `on complaint ${request.complaintId}: ${masked} replace the reported key(s)`, request.actor);
    step.raise(['order.keys_replaced'], request.complaintId);
    step.do({ type: 'emailBuyer', kind: 'keys_delivered', eventId: `${state.input.orderId}.keys_replaced.${request.complaintId}` });
    answerRemedy(step, request, { ok: true, detail: `new key(s) ${masked} delivered; the reported key(s) are marked invalid` });
  },

  refundProgress(step, { refundId, outcome, reason }) {
    const { state } = step;
    const own = state.ownRefund?.refundId === refundId;
    if (outcome === 'refused') {
      if (own) state.view.attention = { reason: `the provider refused refund ${refundId}: ${reason}`, since: step.at };
      step.note(own ? 'refund_refused' : 'payment_refund_refused', `${refundId}: ${reason}; asked again every hour until a person settles it at the provider`);
      return step.write();
    }
    if (!own) {
      // A payment the order gave back; the order never waits for those.
      if (outcome === 'paid') step.note('payment_refunded', `refund ${refundId} paid`);
      return outcome === 'paid' ? step.raise(['payment.refunded']) : step.write();
    }
    if (state.view.attention) {
      delete state.view.attention;
      step.note('refund_accepted', `refund ${refundId} went through after being refused`);
    }
    if (outcome === 'moot') return chargeback(step);
    refunded(step, refundId);
  },

  paymentFoundLate(step, { notice, incidentId }) {
    const { state } = step;
    if (lateFindRefusal(state, notice)) return;
    state.seenNotices.push(notice.eventId);
    state.handledPayments.push(notice.paymentId);
    state.foundLateBy = incidentId;
    state.view.paidAt = paidAtOf(notice, step.at);
    state.view.paymentId = notice.paymentId;
    state.paidVia = notice.method;
    step.note('payment_found_late', `payment ${notice.paymentId} of ${formatMoney(notice.amount)} found at the provider by incident ${incidentId}'s reconciliation; the order is made good`, 'system');
    step.moveTo('PAID', `payment ${notice.paymentId}`, 'system', true);
    takeKeys(step, 'first');
  },

  disputed(step, { dispute }) {
    const { state } = step;
    if (state.dispute?.outcome) return; // a later event of an ended dispute changes nothing
    const name = `${providerName(dispute.source)} ${dispute.source === 'wechatpay' ? 'complaint' : 'dispute'} ${dispute.id}`;
    if (!state.dispute) {
      step.note('payment_disputed', `${name}: ${dispute.reason}; complaint ${dispute.complaintId}`, dispute.source);
      if (!state.view.complaints.includes(dispute.complaintId)) state.view.complaints.push(dispute.complaintId);
    }
    state.dispute = dispute;
    if (dispute.outcome) step.note(`dispute_${dispute.outcome}`, `${name} ${dispute.outcome === 'completed' ? 'completed' : `closed: ${dispute.outcome}`}`, dispute.source);
    step.write();
    if (dispute.outcome === 'lost') {
      if (state.ownRefund) step.do({ type: 'refundMoot', refundId: state.ownRefund.refundId });
      else chargeback(step);
    } else if (dispute.outcome && state.owed && !state.keys.taking) {
      payWhatIsOwed(step);
    }
  },
};

/** A payment notice, taken once per event id: it pays the order, or its money goes back. */
function takeNotice(step: Step, notice: PaymentNotice): void {
  const { state } = step;
  if (state.seenNotices.includes(notice.eventId)) return;
  state.seenNotices.push(notice.eventId);
  const { paymentId } = notice;
  if (notice.status === 'failed') {
    step.note('payment_failed', `payment ${paymentId}`);
    return step.write();
  }
  if (paymentId === state.view.paymentId || state.handledPayments.includes(paymentId)) {
    step.note('payment_duplicate_notice', `payment ${paymentId} was already handled`);
    return step.write();
  }
  state.handledPayments.push(paymentId);
  if (!sameMoney(notice.amount, state.input.amount)) {
    step.note('payment_amount_mismatch', `payment ${paymentId} of ${formatMoney(notice.amount)}; the order costs ${formatMoney(state.input.amount)}`);
    return giveBackPayment(step, notice, 'amount does not match the order');
  }
  if (step.status === 'AWAITING_PAYMENT') {
    state.view.paidAt = paidAtOf(notice, step.at);
    state.view.paymentId = paymentId;
    state.paidVia = notice.method;
    step.note('payment_received', `payment ${paymentId} of ${formatMoney(notice.amount)}`);
    step.moveTo('PAID', `payment ${paymentId}`, undefined, true);
    return takeKeys(step, 'first');
  }
  const why = step.status === 'CANCELLED' ? 'paid after the order was cancelled' : 'a second payment for an order already paid';
  step.note('payment_unexpected', `payment ${paymentId}: ${why}`);
  giveBackPayment(step, notice, why);
}

/**
 * When the order was paid: when the provider says the buyer paid, for a payment found by asking it
 * (its notice lost), so "payment → keys" counts the wait for the lost notice; otherwise when the
 * order heard of it. Never later than that (a provider's clock ahead of ours).
 */
export function paidAtOf(notice: Pick<PaymentNotice, 'paidAt'>, heardAt: string): string {
  const said = notice.paidAt ? Date.parse(notice.paidAt) : NaN;
  return Number.isFinite(said) && said < Date.parse(heardAt) ? new Date(said).toISOString() : heardAt;
}

/** Money the order must not keep: its own refund, not waited for; another payment never waits on it. */
function giveBackPayment(step: Step, notice: PaymentNotice, reason: string): void {
  const refundId = refundIdFor(step.state.input.orderId, notice.paymentId);
  step.do({ type: 'refund', refundId, paymentId: notice.paymentId, amount: notice.amount, reason, ...viaRail(notice.method), awaited: false });
  step.note('payment_refund_started', `payment ${notice.paymentId} is refunded as ${refundId}: ${reason}`);
  step.write();
}

function takeKeys(step: Step, purpose: 'first' | 'replacement', request?: RemedyRequest): void {
  step.state.keys.taking = purpose;
  if (purpose === 'first') step.state.restock.covered = step.state.restock.offers;
  step.do({ type: 'takeKeys', purpose, ...(request ? { request } : {}) });
}

function noteRefused(step: Step, refused: RefusedKey[]): void {
  for (const key of refused) step.note('key_invalid', `key ${key.keyId} (${key.masked}) refused: ${key.reason}`);
}

function deliver(step: Step, keys: DeliveredKey[]): void {
  const { state } = step;
  const { policy } = state.input;
  state.view.keys = keys;
  state.view.deliveredAt = step.at;
  state.view.refundWindowEndsAt = after(step.at, policy.refundWindowMs);
  state.view.complaintWindowEndsAt = after(step.at, policy.complaintWindowMs);
  if (step.status !== 'DELIVERING') step.moveTo('DELIVERING', '', undefined, true);
  step.do({ type: 'markDelivered', keyIds: keys.map((k) => k.keyId) });
  step.moveTo('DELIVERED', `${keys.length} key(s) ready for the buyer`);
  step.do({ type: 'emailBuyer', kind: 'keys_delivered', eventId: `${state.input.orderId}.keys_delivered` });
  step.do({ type: 'timer', name: 'refundWindowEnded', at: state.view.refundWindowEndsAt });
  step.do({ type: 'timer', name: 'complaintWindowEnded', at: state.view.complaintWindowEndsAt });
}

function waitForStock(step: Step): void {
  const { state } = step;
  const { restock } = state;
  if (state.foundLateBy) return giveMoneyBack(step, `out of stock when incident ${state.foundLateBy} found the payment`, 'system');
  const firstWait = restock.deadline === undefined;
  restock.deadline ??= after(step.at, state.input.policy.restockWaitMs);
  if (Date.parse(step.at) >= Date.parse(restock.deadline)) return giveMoneyBack(step, `out of stock: no restock by ${restock.deadline}`, 'system');
  if (step.status !== 'OUT_OF_STOCK') step.moveTo('OUT_OF_STOCK', `waiting for stock until ${restock.deadline}`);
  if (firstWait) step.do({ type: 'timer', name: 'restockDeadline', at: restock.deadline });
  // Imports offer stock to the orders the read model shows waiting; one that landed before this
  // order showed OUT_OF_STOCK was offered to no one, so look once more now that it shows, then
  // now and then: keys also come back without an import (a reservation given up).
  if (!restock.lookedOnce) {
    restock.lookedOnce = true;
    return takeKeys(step, 'first');
  }
  if (restock.offers > restock.covered) return takeKeys(step, 'first');
  step.do({ type: 'timer', name: 'restockLook', at: after(step.at, restockLookEvery(state.input.policy.restockWaitMs)) });
}

/** How often a waiting order looks at the stock itself. */
export function restockLookEvery(restockWaitMs: number): number {
  return Math.min(60_000, Math.max(1_000, Math.floor(restockWaitMs / 10)));
}

function approveRefund(step: Step, actor: string, note?: string): void {
  const refund = step.state.view.refund!;
  Object.assign(refund, { status: 'APPROVED', decidedBy: actor, decidedAt: step.at }, note ? { note } : {});
  step.note('refund_approved', note, actor);
  giveMoneyBack(step, refund.reason, actor);
}

/**
 * The order's payment goes back (once): at once, or when what holds it ends (keys being taken,
 * a provider's dispute). The keys delivered are revoked when the refund is paid.
 */
function giveMoneyBack(step: Step, reason: string, actor: string): void {
  const { state } = step;
  if (state.ownRefund || step.status === 'REFUNDED') return;
  state.owed ??= { reason, actor };
  if (state.keys.taking) {
    if (state.keys.taking === 'first') step.do({ type: 'stopTakingKeys' });
    return; // the try answers first; its keys go back to stock
  }
  payWhatIsOwed(step);
}

function payWhatIsOwed(step: Step): void {
  const { state } = step;
  const owed = state.owed;
  if (!owed || state.ownRefund) return;
  if (state.dispute?.outcome === 'lost') return chargeback(step);
  if (disputeHoldsMoney(state)) {
    step.note('refund_held', `${owed.reason}; the payment is disputed, so the dispute decides where the money goes`);
    return step.write();
  }
  delete state.owed;
  const paymentId = state.view.paymentId as string;
  const refundId = refundIdFor(state.input.orderId, paymentId);
  state.ownRefund = { refundId };
  state.view.refund ??= { status: 'APPROVED', reason: owed.reason, requestedAt: step.at, decidedBy: owed.actor, decidedAt: step.at };
  step.moveTo('REFUNDING', owed.reason, owed.actor);
  step.do({ type: 'refund', refundId, paymentId, amount: state.input.amount, reason: owed.reason, ...viaRail(state.paidVia), awaited: true });
}

/** The order's own refund was paid: what was delivered is revoked, and the order ends. */
function refunded(step: Step, refundId: string): void {
  const { state } = step;
  if (state.view.keys.length > 0) step.do({ type: 'revokeKeys', keyIds: state.view.keys.map((k) => k.keyId) });
  const refund = state.view.refund!;
  refund.status = 'REFUNDED';
  refund.refundedAt = step.at;
  const actor = refund.decidedBy ?? 'system';
  step.note('refunded', `payment ${state.view.paymentId} refunded as ${refundId}`, actor);
  step.moveTo('REFUNDED', refund.reason, actor);
  step.do({ type: 'emailBuyer', kind: 'refund_paid', eventId: `${state.input.orderId}.refund_paid` });
  for (const request of state.refundRemedies.splice(0)) answerRemedy(step, request, { ok: true, detail: `the payment was refunded and the order's keys revoked` });
}

/**
 * The bank returned the payment (a lost dispute): the order ends REFUNDED with its keys revoked and
 * no refund of its own, since paying back again would pay the buyer twice.
 */
function chargeback(step: Step): void {
  const { state } = step;
  const dispute = state.dispute!;
  delete state.owed;
  const reason = `${providerName(dispute.source)} dispute ${dispute.id} lost: the buyer's bank returned payment ${state.view.paymentId}`;
  if (step.status === 'REFUNDED') {
    step.note('charged_back', `${reason}, after the shop had refunded it; nothing more is sent`, dispute.source);
    return step.write();
  }
  state.view.refund = {
    ...(state.view.refund ?? { reason, requestedAt: step.at }),
    status: 'REFUNDED',
    decidedBy: dispute.source,
    decidedAt: step.at,
    refundedAt: step.at,
    note: 'returned to the buyer by the bank (chargeback); no refund was sent',
  };
  if (state.view.keys.length > 0) step.do({ type: 'revokeKeys', keyIds: state.view.keys.map((k) => k.keyId) });
  step.note('charged_back', reason, dispute.source);
  step.moveTo('REFUNDED', reason, dispute.source);
  for (const request of state.refundRemedies.splice(0)) answerRemedy(step, request, { ok: true, detail: 'the payment was returned to the buyer by the bank' });
}

function closeAtProvider(step: Step): void {
  if (methodOf(step.state.input) !== 'generic') step.do({ type: 'closeAtProvider' });
}

function answerRemedy(step: Step, request: RemedyRequest, outcome: RemedyOutcome): void {
  step.note(outcome.ok ? 'complaint_remedy_applied' : 'complaint_remedy_failed', `${request.remedy}: ${outcome.detail}`, request.actor);
  step.do({ type: 'answerRemedy', request, outcome });
  step.write();
}

/** A Stripe dispute that is open: the bank decides where the money goes. */
function disputeHoldsMoney(state: OrderState): boolean {
  return state.dispute !== undefined && state.dispute.outcome === undefined && state.dispute.source === 'stripe_dispute';
}

/** A refund goes back by the rail the payment came by; absent (generic) leaves the call as it was. */
export function viaRail(method: PaymentMethod | undefined): { method?: PaymentMethod } {
  return method && method !== 'generic' ? { method } : {};
}

function after(startIso: string, ms: number): string {
  return new Date(Date.parse(startIso) + ms).toISOString();
}

/** Orders taken before REFUND_DECISION_WAIT existed wait this long for an agent's decision. */
const DEFAULT_REFUND_DECISION_WAIT_MS = 48 * 60 * 60 * 1000;

// ── What people may ask, and when (the update validators answer by these) ──────────────────────

/** Why the product may not refund the payment now, or undefined when it may. */
export function refundRefusal(state: OrderState): string | undefined {
  const d = state.dispute;
  if (!d) return undefined;
  if (d.outcome === 'lost') return `the payment was returned to the buyer by the bank (${providerName(d.source)} dispute ${d.id} lost); there is nothing left to refund`;
  if (disputeHoldsMoney(state)) return `the payment is disputed at ${providerName(d.source)} (dispute ${d.id}); the dispute decides where the money goes (see complaint ${d.complaintId})`;
  return undefined;
}

export type OrderAsk =
  | { type: 'cancel' }
  | { type: 'refundRequest'; reason: unknown }
  | { type: 'refundDecision'; approve: boolean }
  | { type: 'restockOffer' }
  | { type: 'fileComplaint' };

/** The events that are people's asks: each is refused, changing nothing, when it does not fit. */
function askOf(event: OrderEvent): OrderAsk | undefined {
  switch (event.type) {
    case 'cancel':
      return { type: 'cancel' };
    case 'refundRequested':
      return { type: 'refundRequest', reason: event.reason };
    case 'refundDecided':
      return { type: 'refundDecision', approve: event.approve };
    case 'restockOffered':
      return { type: 'restockOffer' };
    case 'complaintFiled':
      return { type: 'fileComplaint' };
    default:
      return undefined;
  }
}

/** Why an ask does not fit the order now (a 409 with these words), or undefined when it does. */
export function refusal(state: OrderState, ask: OrderAsk, at: string): string | undefined {
  const { view } = state;
  const status = view.status;
  switch (ask.type) {
    case 'cancel':
      return orderActionFits('cancel', status) && !view.paymentId ? undefined : `the order is ${status}; only an unpaid order can be cancelled`;
    case 'refundRequest': {
      const disputed = refundRefusal(state);
      if (disputed) return disputed;
      if (status === 'REFUND_REQUESTED') return 'a refund request is already pending';
      if (status === 'OUT_OF_STOCK' && (state.owed || state.ownRefund)) return 'the refund is already being paid out';
      if (!orderActionFits('refundRequest', status)) return `the order is ${status}; refunds are requested on delivered orders, or while waiting for stock`;
      if (status === 'DELIVERED' && (state.windows.refundOver || Date.parse(at) >= Date.parse(view.refundWindowEndsAt as string))) {
        return `the refund window closed at ${view.refundWindowEndsAt}`;
      }
      if (typeof ask.reason !== 'string' || ask.reason.trim().length === 0) return 'a reason is required';
      return undefined;
    }
    case 'refundDecision':
      if (!orderActionFits('refundDecision', status) || view.refund?.status !== 'REQUESTED') return `no refund request is pending; the order is ${status}`;
      return ask.approve ? refundRefusal(state) : undefined;
    case 'restockOffer':
      return status === 'OUT_OF_STOCK' ? undefined : `the order is ${status}, not waiting for stock`;
    case 'fileComplaint': {
      if (!view.paymentId || !orderActionFits('fileComplaint', status)) return `the order is ${status}; complaints are filed on paid orders`;
      if (state.openComplaint) return `complaint ${state.openComplaint} is already open on this order`;
      const d = state.dispute;
      if (d && !d.outcome) return `complaint ${d.complaintId} is already open on this order, following ${providerName(d.source)}'s ${d.source === 'wechatpay' ? 'complaint' : 'dispute'} ${d.id}`;
      if (view.complaintWindowEndsAt && Date.parse(at) >= Date.parse(view.complaintWindowEndsAt)) return `the complaint window closed at ${view.complaintWindowEndsAt}`;
      return undefined;
    }
  }
}

/**
 * Why a payment found at the provider cannot make this order good, or undefined when it can: only an
 * order cancelled at its due time with no payment found takes it, and only a success of its amount
 * not handled before.
 */
export function lateFindRefusal(state: OrderState, notice: PaymentNotice): string | undefined {
  if (state.view.status !== 'CANCELLED' || state.view.paymentId) return `the order is ${state.view.status}; only an order cancelled unpaid is made good`;
  if (!state.view.timeline.some((e) => e.type === 'payment_due')) return 'the order was cancelled by a person, not for want of a payment notice';
  if (notice.status !== 'succeeded') return `payment ${notice.paymentId} did not succeed`;
  if (!sameMoney(notice.amount, state.input.amount)) return `payment ${notice.paymentId} of ${formatMoney(notice.amount)} is not the order's ${formatMoney(state.input.amount)}`;
  if (state.handledPayments.includes(notice.paymentId) || state.seenNotices.includes(notice.eventId)) return `payment ${notice.paymentId} was already handled`;
  return undefined;
}

/**
 * Whether the order's life is over: nothing more can happen to it that its workflow must carry out
 * (a complaint still open, a dispute still deciding, money still owed keep it going).
 */
export function isOver(state: OrderState): boolean {
  const { status } = state.view;
  if (state.openComplaint || state.keys.taking || state.owed || disputeHoldsMoney(state)) return false;
  if (status === 'CANCELLED' || status === 'REFUNDED') return true;
  return status === 'COMPLETED' && state.windows.complaintOver;
}
