import { ActivityFailure, ApplicationFailure, CancellationScope, allHandlersFinished, condition, makeContinueAsNewFunc, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { RemedyOutcome, RemedyRequest } from '../../domain/complaint';
import { providerName } from '../../domain/dispute';
import { orderActionFits, type OrderInput, type OrderStatus, type OrderView } from '../../domain/order';
import { provider } from './activities';
import {
  CONFLICT,
  cancelOrder,
  complaintRemedy,
  decideRefund,
  fileComplaint,
  offerRestock,
  orderView,
  paymentDisputed,
  paymentNotified,
  requestRefund,
} from './messages';
import { ComplaintDesk } from './order/complaints';
import { DisputeDesk } from './order/disputes';
import { CHECKED_KEYS_IN_ONE_STEP, KeyPicker, LOCAL_KEY_CHECK, LocalStepFailed, type Fulfilment, type PickerState } from './order/fulfilment';
import { PaymentDesk, payOut, refundIdFor, viaRail, type PaymentState } from './order/payments';
import { OrderRecord, type RecordState } from './order/record';
import { after, msUntil, now } from './time';
import { Versions, type Epoch } from './versions';

/**
 * What a paid order waiting for stock carries into a new run of its workflow (continue-as-new), so
 * its long wait never outgrows a history: the order as it stands, the notices it has handled, each
 * slot's key attempts, and when its wait ends.
 */
export interface WaitingOrder {
  record: RecordState;
  payments: PaymentState;
  picker: PickerState;
  restockDeadline: string;
}

/**
 * One card-key order, from the storefront's request to its end. A paid order always ends with its
 * keys delivered or its payment refunded, exactly once.
 *
 *   AWAITING_PAYMENT ─paid─▶ PAID ─▶ DELIVERING ─▶ DELIVERED ─refund window ends─▶ COMPLETED
 *        │                     │ no stock: OUT_OF_STOCK ─restock─▶ DELIVERING
 *        │                     │           └─ RESTOCK_WAIT passes ─▶ REFUNDING ─▶ REFUNDED
 *        └─ due with nothing found at the provider, or cancelled ─▶ CANCELLED
 *   OUT_OF_STOCK ─buyer asks─▶ REFUNDING ─▶ REFUNDED (no key was delivered: no agent needed)
 *   DELIVERED ─buyer asks─▶ REFUND_REQUESTED ─agent approves─▶ REFUNDING ─▶ REFUNDED
 *                                           ├─ no decision by REFUND_DECISION_WAIT ─▶ approved
 *                                           └─ agent rejects ─▶ DELIVERED
 *
 * The workflow stays open while a complaint on the order is open and until the complaint window
 * ends, to carry out what a complaint's resolution needs: a new key, or the refund; and while a
 * provider's dispute on its payment is open: a lost one ends it REFUNDED by the bank, keys revoked,
 * with no refund of its own.
 */
export async function orderWorkflow(input: OrderInput, resumed?: WaitingOrder): Promise<OrderView> {
  const versions = new Versions(ORDER_EPOCHS);
  // Versioned: orders begun before this let a cancel request cut through what was in flight.
  if (!versions.has(CANCEL_REQUEST_SETTLES)) return runOrder(input, resumed, versions, false);
  return CancellationScope.nonCancellable(() => runOrder(input, resumed, versions, true));
}

/**
 * The order's life (see orderWorkflow). `settlesCancel`: a cancel request from Temporal (its UI, a
 * client's cancel) cancels nothing in flight, which could end a paid order with the money kept and no
 * keys; it is an ask the order settles. Unpaid, the order is CANCELLED; paid without keys, it is
 * refunded; with its keys delivered (or its money already going back) it runs to its end, the
 * buyer's refund window and complaints included.
 */
async function runOrder(input: OrderInput, resumed: WaitingOrder | undefined, versions: Versions, settlesCancel: boolean): Promise<OrderView> {
  // Versioned: orders begun before the short path keep their regular activities (OrderRecord), and
  // orders begun before their webhook carriers waited their turn start them at once (OrderRecord.write).
  const order = new OrderRecord(input, versions.has(SHORT_CRITICAL_PATH), resumed?.record, versions.has(CARRIERS_IN_TURN), versions.has(CHECKED_KEYS_IN_ONE_STEP));
  const payments = new PaymentDesk(order, resumed?.payments);
  const complaints = new ComplaintDesk(order);
  const disputes = new DisputeDesk(order);
  const picker = new KeyPicker(order, versions, resumed?.picker);
  let restockOffers = 0;
  let restockTries = 0;
  let afterLastTry: OrderStatus = 'OUT_OF_STOCK';
  let refundWindowOver = false;
  let complaintWindowOver = false;
  let refundApprovedBy: string | undefined;
  /** A paid buyer waiting for stock who asked for the money back: the reason they gave. */
  let buyerGaveUpWaiting: string | undefined;
  /** A paid order without keys cancelled in Temporal: why its money goes back. */
  let cancelledInTemporal: string | undefined;
  const moneyBackAsked = () => buyerGaveUpWaiting !== undefined || cancelledInTemporal !== undefined;
  /** A handler's work, like the main flow's, is never cut short by a cancel request (when the order settles those). */
  const shielded =
    <A extends unknown[], R>(handler: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      settlesCancel ? CancellationScope.nonCancellable(() => handler(...args)) : handler(...args);
  let refundRequests = 0;
  let overdueRequest = 0;
  const refundOverdue = () => overdueRequest === refundRequests && overdueRequest > 0 && order.status === 'REFUND_REQUESTED' && refundApprovedBy === undefined;

  setHandler(orderView, () => order.view);
  setHandler(paymentNotified, (notice) => payments.receive(notice));
  setHandler(complaintRemedy, (request) => complaints.receive(request));
  setHandler(paymentDisputed, (dispute) => {
    // Asked for its marker only: a run of before records, here, that it knows disputes.
    versions.has(PROVIDER_DISPUTES);
    disputes.receive(dispute);
  });

  setHandler(
    cancelOrder,
    shielded(async ({ actor, reason }) => {
      await order.moveTo('CANCELLED', reason ? `cancelled: ${reason}` : 'cancelled', actor);
      return { status: order.status };
    }),
    {
      validator: (_request) => {
        if (!orderActionFits('cancel', order.status) || payments.paid) conflict(`the order is ${order.status}; only an unpaid order can be cancelled`);
      },
    },
  );

  setHandler(
    requestRefund,
    shielded(async ({ actor, reason }: { actor: string; reason: string }) => {
      if (order.status === 'OUT_OF_STOCK') {
        // No key was delivered, so there is nothing to decide: the main flow refunds at once.
        buyerGaveUpWaiting = reason;
        order.view.refund = { status: 'APPROVED', reason, requestedAt: now(), decidedBy: 'system', decidedAt: now(), note: 'paid and still waiting for stock' };
        order.note('refund_requested', reason, actor);
        return { status: 'REFUNDING' as const };
      }
      const requestedAt = now();
      order.view.refund = { status: 'REQUESTED', reason, requestedAt };
      // Versioned: a request pending when this shipped waits for an agent as it did.
      if (versions.has(REFUND_DECISION_DEADLINE)) {
        const request = ++refundRequests;
        const wait = input.policy.refundDecisionWaitMs ?? DEFAULT_REFUND_DECISION_WAIT_MS;
        order.view.refund.decisionDueAt = after(requestedAt, wait);
        void sleep(wait).then(() => (overdueRequest = request));
      }
      await order.moveTo('REFUND_REQUESTED', reason, actor);
      return { status: order.status };
    }),
    {
      validator: ({ reason }) => {
        const disputed = disputes.refundRefusal();
        if (disputed) conflict(disputed);
        if (order.status === 'REFUND_REQUESTED') conflict('a refund request is already pending');
        if (order.status === 'OUT_OF_STOCK') {
          if (buyerGaveUpWaiting !== undefined) conflict('the refund is already being paid out');
          if (typeof reason !== 'string' || reason.trim().length === 0) conflict('a reason is required');
          return;
        }
        if (!orderActionFits('refundRequest', order.status)) conflict(`the order is ${order.status}; refunds are requested on delivered orders, or while waiting for stock`);
        if (refundWindowOver || msUntil(order.view.refundWindowEndsAt as string) === 0) {
          conflict(`the refund window closed at ${order.view.refundWindowEndsAt}`);
        }
        if (typeof reason !== 'string' || reason.trim().length === 0) conflict('a reason is required');
      },
    },
  );

  setHandler(
    decideRefund,
    shielded(async ({ actor, approve, note }: { actor: string; approve: boolean; note?: string }) => {
      const refund = order.view.refund!;
      refund.decidedBy = actor;
      refund.decidedAt = now();
      if (note) refund.note = note;
      if (approve) {
        approveRefund(actor, note);
        // The main flow pays it out; the agent's answer is where the order now goes.
        return { status: 'REFUNDING' as const };
      }
      refund.status = 'REJECTED';
      order.note('refund_rejected', note, actor);
      await order.moveTo('DELIVERED', 'refund request rejected', actor);
      return { status: order.status };
    }),
    {
      validator: ({ approve }) => {
        if (!orderActionFits('refundDecision', order.status) || order.view.refund?.status !== 'REQUESTED' || refundApprovedBy !== undefined) {
          conflict(`no refund request is pending; the order is ${order.status}`);
        }
        const disputed = approve ? disputes.refundRefusal() : undefined;
        if (disputed) conflict(disputed);
      },
    },
  );

  setHandler(
    offerRestock,
    shielded(async () => {
      const offer = ++restockOffers;
      await condition(() => restockTries >= offer || order.status !== 'OUT_OF_STOCK');
      // The outcome of the try this offer caused, not of a later one another offer caused.
      return { status: restockTries >= offer ? afterLastTry : order.status };
    }),
    {
      validator: () => {
        if (order.status !== 'OUT_OF_STOCK') conflict(`the order is ${order.status}, not waiting for stock`);
      },
    },
  );

  setHandler(fileComplaint, shielded((filing: Parameters<ComplaintDesk['file']>[0]) => complaints.file(filing)), {
    validator: (_filing) => {
      const refusal = complaints.refusal(payments.paid) ?? disputes.complaintRefusal();
      if (refusal) conflict(refusal);
    },
  });

  // Payment notices are handled beside the main flow for the order's whole life.
  void payments.run();
  if (settlesCancel) void CancellationScope.current().cancelRequested.catch(() => settleCancelRequest());
  // Versioned: orders on a provider's rail get their checkout made beside the flow, retried.
  // A new run of a waiting order (continue-as-new) was paid: its checkout is long done.
  if (resumed === undefined && payments.method !== 'generic' && versions.has(PAYMENT_RAILS)) void payments.openCheckout();

  // 1. Payment. A waiting order that carried on in a new run (continue-as-new) is paid already.
  if (resumed === undefined && !(await takePayment())) return finish();

  // 2. Keys: reserve and check one per slot; wait for a restock when there are not enough.
  let restockDeadline: string | undefined = resumed?.restockDeadline;
  for (;;) {
    const offersBefore = restockOffers; // an offer that comes while this try runs asks for another
    const result = await deliverOrRelease();
    if (result.outcome === 'ready') break;
    if (result.outcome === 'failed') {
      await refund(`the keys could not be delivered: ${result.reason}`, 'system');
      return finish();
    }
    if (result.outcome === 'withdrawn') {
      await carryOutAsks();
      return finish();
    }
    if (result.outcome === 'keys_exhausted') {
      await refund(`no valid key for slot ${result.slot + 1} after ${input.policy.maxKeyAttempts} attempts`, 'system');
      return finish();
    }
    const firstWait = restockDeadline === undefined;
    restockDeadline ??= after(now(), input.policy.restockWaitMs);
    if (order.status !== 'OUT_OF_STOCK') await order.moveTo('OUT_OF_STOCK', `waiting for stock until ${restockDeadline}`);
    restockTries = offersBefore;
    afterLastTry = order.status;
    // Imports offer stock to the orders the read model shows waiting; one that landed before this
    // order showed OUT_OF_STOCK was offered to no one, so look once more now that it shows; only
    // when enough keys are free, so a waiting order never holds one (versioned: an order of the
    // release that tried at once keeps doing so).
    if (firstWait && (!versions.has(COUNT_BEFORE_SECOND_LOOK) || (await order.store.countAvailableKeys({ sku: input.sku, upTo: input.quantity })) >= input.quantity)) continue;
    const offered = () => restockOffers > restockTries || complaints.hasRemedy || moneyBackAsked() || disputes.chargebackDue;
    // Versioned: orders already waiting when this shipped keep waiting for offers only.
    const woken = versions.has(PERIODIC_RESTOCK_LOOK)
      ? await waitForStock(offered, restockDeadline)
      : await condition(offered, msUntil(restockDeadline));
    if (await carryOutAsks()) return finish();
    if (!woken) {
      await refund(`out of stock: no restock by ${restockDeadline}`, 'system');
      return finish();
    }
  }
  const deliveredAt = now();
  order.view.deliveredAt = deliveredAt;
  order.view.refundWindowEndsAt = after(deliveredAt, input.policy.refundWindowMs);
  order.view.complaintWindowEndsAt = after(deliveredAt, input.policy.complaintWindowMs);
  restockTries = restockOffers;
  afterLastTry = 'DELIVERED';
  await order.moveTo('DELIVERED', `${order.view.keys.length} key(s) ready for the buyer`);

  // 3. After delivery: the refund window, then the complaint window. A refund request pending when
  //    the window ends is still decided; complaints' remedies are carried out as they come.
  watchWindows(order.view.refundWindowEndsAt, order.view.complaintWindowEndsAt);
  for (;;) {
    await condition(
      () =>
        complaints.hasRemedy ||
        disputes.chargebackDue ||
        refundApprovedBy !== undefined ||
        refundOverdue() ||
        (refundWindowOver && order.status === 'DELIVERED') ||
        (complaintWindowOver && !complaints.open && !disputes.open && order.status === 'COMPLETED'),
    );
    if (disputes.chargebackDue) {
      await chargeback();
      return finish();
    } else if (complaints.hasRemedy) {
      await carryOutRemedy(complaints.next() as RemedyRequest);
      if (order.status === 'REFUNDED') return finish();
    } else if (refundOverdue()) {
      // The shop's promise to the buyer: a request no agent decides in time is granted.
      approveRefund('system', `no agent decided by ${order.view.refund?.decisionDueAt}; approved as the shop's terms promise`);
    } else if (refundApprovedBy !== undefined) {
      await refund(order.view.refund?.reason ?? 'approved', refundApprovedBy);
      return finish();
    } else if (refundWindowOver && order.status === 'DELIVERED') {
      await order.moveTo('COMPLETED', 'refund window ended');
    } else {
      return finish();
    }
  }

  /**
   * Mark each window over when it ends. One timer at a time (versioned: orders begun before run one
   * per window side by side): each is a task the server keeps for the order's whole life.
   */
  function watchWindows(refundEndsAt: string, complaintEndsAt: string): void {
    if (!versions.has(CHECKED_KEYS_IN_ONE_STEP)) {
      void sleep(msUntil(refundEndsAt)).then(() => (refundWindowOver = true));
      void sleep(msUntil(complaintEndsAt)).then(() => (complaintWindowOver = true));
      return;
    }
    const ends = [
      { at: refundEndsAt, over: () => (refundWindowOver = true) },
      { at: complaintEndsAt, over: () => (complaintWindowOver = true) },
    ].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    void (async () => {
      for (const end of ends) {
        const wait = msUntil(end.at);
        if (wait > 0) await sleep(wait);
        end.over();
      }
    })();
  }

  /**
   * The order's first part: created, then paid or cancelled. True when paid. Before giving up at the
   * due time it asks the provider: a lost notice must never leave a buyer paid without keys.
   */
  async function takePayment(): Promise<boolean> {
    await order.open();
    await condition(() => payments.paid || order.status === 'CANCELLED', msUntil(input.paymentDueAt));
    await payments.settled();
    if (!payments.paid && order.status === 'AWAITING_PAYMENT') {
      order.note('payment_due', 'no payment notice by the due time; asking the provider');
      await payments.reconcile();
      await payments.settled();
      // A cancel accepted while the provider was being asked has already closed it (versioned: an
      // order of the release that recorded a second CANCELLED keeps it).
      const cancelledMeanwhile = (order.status as OrderStatus) === 'CANCELLED' && versions.has(CANCEL_CLOSES_ONCE);
      if (!payments.paid && !cancelledMeanwhile) await order.moveTo('CANCELLED', 'payment not received by its due time', 'system');
    }
    if (order.status === 'CANCELLED') {
      // Versioned: orders on a provider's rail close the provider's order too.
      if (payments.method !== 'generic' && versions.has(CLOSE_PROVIDER_ORDER)) await payments.closeAtProvider();
      return false;
    }
    await order.moveTo('PAID', `payment ${payments.paymentId}`);
    return true;
  }

  /**
   * Take checked keys for every slot and mark them delivered, or give back what is held. An activity
   * that gives up for good (a key taken from under the order, a product deleted) is no reason to keep
   * a paid order's money: it answers `failed`, holding nothing, and the order is refunded.
   */
  async function deliverOrRelease(): Promise<Fulfilment | { outcome: 'failed'; reason: string } | { outcome: 'withdrawn' }> {
    try {
      // Versioned: a refund asked while a supplier is down stops the wait for its check (it may be down for hours).
      const refundAsked = () => moneyBackAsked() || complaints.refundAsked;
      const result = await picker.pick(versions.has(REFUND_STOPS_KEY_CHECK) ? refundAsked : undefined);
      // A refund asked while the keys were checked: the buyer never saw them, so they go back to
      // stock rather than being delivered and revoked (versioned: orders of before deliver them).
      if ((result.outcome === 'ready' || result.outcome === 'stopped') && refundAsked() && versions.has(UNSEEN_KEYS_BACK_TO_STOCK)) {
        await order.store.releaseReservedKeys({ orderId: input.orderId });
        order.note('keys_released', 'a refund was asked before the buyer could see the keys; they go back to stock');
        return { outcome: 'withdrawn' };
      }
      if (result.outcome === 'ready') {
        await order.handOver(result.keys, versions.has(CHECKED_KEYS_IN_ONE_STEP));
      } else {
        await order.store.releaseReservedKeys({ orderId: input.orderId });
      }
      return result;
    } catch (err) {
      const reason = permanentFailure(err);
      if (reason === undefined) throw err;
      order.note('keys_failed', reason);
      await order.store.releaseReservedKeys({ orderId: input.orderId });
      return { outcome: 'failed', reason };
    }
  }

  /**
   * Wait for an offer, and look at the stock now and then meanwhile: keys can come back without an
   * import (another order's reservation given up, a replacement refused), and nobody offers those.
   * True when there is something to try, false when the deadline passed.
   */
  async function waitForStock(offered: () => boolean, deadline: string): Promise<boolean> {
    const every = Math.min(60_000, Math.max(1_000, Math.floor(input.policy.restockWaitMs / 10)));
    for (;;) {
      if (await condition(offered, Math.min(every, msUntil(deadline)))) return true;
      if (msUntil(deadline) === 0) return false;
      // Judged where a replay judges it alike: at the timer's task, before the count's result lands
      // (see Versions; versioned: orders of before judge it after the count).
      const long = versions.has(LONG_WAIT_JUDGED_AT_TIMER) ? historyIsLong() : undefined;
      if ((await order.store.countAvailableKeys({ sku: input.sku, upTo: input.quantity })) >= input.quantity) return true;
      await carryOnInNewRunIfLong(deadline, long ?? historyIsLong());
    }
  }

  function historyIsLong(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= (input.policy.historyEvents ?? DEFAULT_HISTORY_EVENTS);
  }

  /**
   * A long wait polls the stock, and each look adds to the history; past the history bound (or when
   * the server suggests it) the order carries on in a new run with what it needs, once nothing is in
   * flight (no notice, complaint, offer or handler: they belong to this run). Versioned: orders
   * already waiting when this shipped keep their one run.
   */
  async function carryOnInNewRunIfLong(restockDeadline: string, long: boolean): Promise<void> {
    if (!long) return;
    const info = workflowInfo();
    const quiet = payments.idle && !complaints.open && !complaints.hasRemedy && restockOffers === restockTries && !moneyBackAsked() && disputes.current === undefined && allHandlersFinished();
    if (!quiet || !versions.has(CONTINUE_AS_NEW_WHILE_WAITING)) return;
    const next: WaitingOrder = { record: order.state(), payments: payments.state(), picker: picker.state(), restockDeadline };
    // The ops' search attributes and the summary memo go with it, as the order's identity does.
    await makeContinueAsNewFunc<typeof orderWorkflow>({ typedSearchAttributes: info.typedSearchAttributes, memo: info.memo })(input, next);
  }

  function approveRefund(actor: string, note?: string): void {
    const refund = order.view.refund!;
    refund.status = 'APPROVED';
    refund.decidedBy = actor;
    refund.decidedAt = now();
    if (note) refund.note = note;
    refundApprovedBy = actor;
    order.note('refund_approved', note, actor);
  }

  /**
   * What was asked while the order had no keys to show: a complaint's remedies, the buyer's refund.
   * True when the order is refunded.
   */
  async function carryOutAsks(): Promise<boolean> {
    if (disputes.chargebackDue) {
      await chargeback();
      return true;
    }
    while (complaints.hasRemedy) await carryOutRemedy(complaints.next() as RemedyRequest);
    if (order.status !== 'REFUNDED' && buyerGaveUpWaiting !== undefined) await refund(buyerGaveUpWaiting, 'buyer');
    if (order.status !== 'REFUNDED' && cancelledInTemporal !== undefined) await refund(cancelledInTemporal, 'ops');
    return order.status === 'REFUNDED';
  }

  /** A cancel request from Temporal, settled as the order stands (see runOrder). */
  async function settleCancelRequest(): Promise<void> {
    if (order.status === 'AWAITING_PAYMENT' && !payments.paid) {
      // As the cancel action does: a payment that lands after this is given back.
      await order.moveTo('CANCELLED', 'cancelled in Temporal', 'ops');
    } else if (order.view.keys.length === 0 && !['REFUNDING', 'REFUNDED', 'CANCELLED'].includes(order.status)) {
      cancelledInTemporal = 'cancelled in Temporal before its keys were delivered';
      order.note('cancel_requested', `${cancelledInTemporal}; the payment is refunded`, 'ops');
    } else {
      order.note('cancel_requested', `cancelled in Temporal while ${order.status}: it runs to its end, as nothing is owed that a cancel would settle`, 'ops');
    }
  }

  /** Give the order's payment back, once; revoke what was delivered. */
  async function refund(reason: string, actor: string): Promise<void> {
    // A disputed payment's fate is the bank's: wait for it; a lost dispute has returned the money already.
    if (disputes.open) await condition(() => !disputes.open);
    if (disputes.lost) return chargeback();
    const paymentId = payments.paymentId as string;
    order.view.refund ??= { status: 'APPROVED', reason, requestedAt: now(), decidedBy: actor, decidedAt: now() };
    await order.moveTo('REFUNDING', reason, actor);
    const refundId = refundIdFor(input.orderId, paymentId);
    // A refund the provider refuses because the payment is disputed waits for the dispute: lost, the bank paid it.
    const paid = await payOut(order, { refundId, orderId: input.orderId, paymentId, amount: input.amount, reason, ...viaRail(payments.paidVia) }, () => disputes.lost);
    if (paid === 'moot') return chargeback();
    if (order.view.keys.length > 0) {
      await order.store.revokeKeys({ orderId: input.orderId, keyIds: order.view.keys.map((k) => k.keyId) });
    }
    order.view.refund.status = 'REFUNDED';
    order.view.refund.refundedAt = now();
    order.note('refunded', `payment ${paymentId} refunded as ${refundId}`, actor);
    await order.moveTo('REFUNDED', reason, actor);
  }

  /**
   * The bank returned the payment (a lost dispute): the order ends REFUNDED with its keys revoked and
   * no refund of its own, since paying back again would pay the buyer twice.
   */
  async function chargeback(): Promise<void> {
    disputes.markSettled();
    const dispute = disputes.current!;
    const reason = `${providerName(dispute.source)} dispute ${dispute.id} lost: the buyer's bank returned payment ${payments.paymentId}`;
    if (order.status === 'REFUNDED') {
      order.note('charged_back', `${reason}, after the shop had refunded it; nothing more is sent`, dispute.source);
      return;
    }
    const at = now();
    order.view.refund = {
      ...(order.view.refund ?? { reason, requestedAt: at }),
      status: 'REFUNDED',
      decidedBy: dispute.source,
      decidedAt: at,
      refundedAt: at,
      note: 'returned to the buyer by the bank (chargeback); no refund was sent',
    };
    if (order.view.keys.length > 0) {
      await order.store.revokeKeys({ orderId: input.orderId, keyIds: order.view.keys.map((k) => k.keyId) });
    }
    order.note('charged_back', reason, dispute.source);
    await order.moveTo('REFUNDED', reason, dispute.source);
  }

  /** What a complaint's resolution asks of the order: a new checked key per slot, or the refund. */
  async function carryOutRemedy(request: RemedyRequest): Promise<void> {
    let outcome: RemedyOutcome;
    const disputed = request.remedy === 'refund' ? disputes.refundRefusal() : undefined;
    if (disputed) {
      outcome = { ok: false, detail: disputed };
    } else if (order.status === 'REFUNDED') {
      outcome = request.remedy === 'refund' ? { ok: true, detail: 'the order had already been refunded' } : { ok: false, detail: 'the order has been refunded; there is no key to replace' };
    } else if (request.remedy === 'refund') {
      if (order.view.refund?.status === 'REQUESTED') {
        Object.assign(order.view.refund, { decidedBy: request.actor, decidedAt: now(), note: request.note ?? 'refunded on a complaint' });
      }
      await refund(`refund granted on complaint ${request.complaintId}`, request.actor);
      outcome = { ok: true, detail: `the payment was refunded and the order's keys revoked` };
    } else if (order.view.keys.length === 0) {
      outcome = { ok: false, detail: `the order is ${order.status}; no key has been delivered yet to replace` };
    } else {
      outcome = await replaceKeys(request);
    }
    await complaints.answer(request, outcome);
  }

  async function replaceKeys(request: RemedyRequest): Promise<RemedyOutcome> {
    try {
      return await replaceKeysOnce(request);
    } catch (err) {
      const reason = permanentFailure(err);
      if (reason === undefined) throw err;
      await order.store.releaseReservedKeys({ orderId: input.orderId });
      return { ok: false, detail: `no replacement key could be delivered: ${reason}` };
    }
  }

  async function replaceKeysOnce(request: RemedyRequest): Promise<RemedyOutcome> {
    const old = order.view.keys;
    const result = await picker.pickReplacements();
    if (result.outcome !== 'ready') {
      await order.store.releaseReservedKeys({ orderId: input.orderId });
      return { ok: false, detail: result.outcome === 'out_of_stock' ? 'no stock to replace the key; import keys or refund instead' : 'no valid replacement key passed the check' };
    }
    await order.store.markKeysDelivered({ orderId: input.orderId, keyIds: result.keys.map((k) => k.keyId) });
    for (const key of old) await order.store.markKeyInvalid({ orderId: input.orderId, keyId: key.keyId });
    order.setKeys(result.keys);
    const masked = result.keys.map((k) => k.masked).join(', ');
    order.note('keys_replaced', `on complaint ${request.complaintId}: ${masked} replace the reported key(s)`, request.actor);
    await order.notify('order.keys_replaced', request.complaintId);
    return { ok: true, detail: `new key(s) ${masked} delivered; the reported key(s) are marked invalid` };
  }

  /**
   * Let in-flight notices, handlers and any open complaint finish (carrying out what it still
   * asks), then leave the final view in the read model.
   */
  async function finish(): Promise<OrderView> {
    const quiet = () => !complaints.hasRemedy && !complaints.open && !disputes.chargebackDue && payments.idle && allHandlersFinished();
    for (;;) {
      await condition(() => complaints.hasRemedy || disputes.chargebackDue || quiet());
      if (disputes.chargebackDue) {
        await chargeback();
        continue;
      }
      const request = complaints.next();
      if (request) {
        await carryOutRemedy(request);
        continue;
      }
      await order.project();
      // A notice or a complaint that came during that last write is handled before the order closes:
      // a second payment is still given back, a complaint still has its order (versioned: an order
      // that closed regardless keeps having closed).
      if (quiet() || !versions.has(FINISH_AFTER_LAST_WRITE)) return order.view;
    }
  }

  /**
   * Why an activity gave up for good (non-retryable, or out of time), or undefined for anything else,
   * which is a bug and fails the workflow task to be fixed and retried (versioned: an order that
   * failed on such a failure before this existed keeps having failed).
   */
  function permanentFailure(err: unknown): string | undefined {
    if (err instanceof LocalStepFailed) return err.message; // only on paths begun since local checks
    if (!(err instanceof ActivityFailure) || !versions.has(REFUND_ON_PERMANENT_FAILURE)) return undefined;
    return `${err.activityType} gave up: ${err.cause?.message ?? err.message}`;
  }
}

/** Patch ids: each names a change to running orders' logic, kept until no order runs without it. */
const PERIODIC_RESTOCK_LOOK = 'periodic-restock-look';
const COUNT_BEFORE_SECOND_LOOK = 'count-before-second-look';
const CANCEL_CLOSES_ONCE = 'cancel-closes-once';
const REFUND_ON_PERMANENT_FAILURE = 'refund-on-permanent-failure';
const FINISH_AFTER_LAST_WRITE = 'finish-after-last-write';
const REFUND_DECISION_DEADLINE = 'refund-decision-deadline';
const UNSEEN_KEYS_BACK_TO_STOCK = 'unseen-keys-back-to-stock';
const CONTINUE_AS_NEW_WHILE_WAITING = 'continue-as-new-while-waiting';
const REFUND_STOPS_KEY_CHECK = 'refund-stops-key-check';
const SHORT_CRITICAL_PATH = 'short-critical-path';
const PROVIDER_DISPUTES = 'provider-disputes';
const CANCEL_REQUEST_SETTLES = 'cancel-request-settles';
const CARRIERS_IN_TURN = 'webhook-carriers-in-turn';
const PAYMENT_RAILS = 'payment-rails';
const CLOSE_PROVIDER_ORDER = 'close-provider-order';
const LONG_WAIT_JUDGED_AT_TIMER = 'long-wait-judged-at-timer';

/** The changes of the first epoch: every change orders followed when versions moved to their first task. */
const FIRST_EPOCH_CHANGES = [
  PERIODIC_RESTOCK_LOOK,
  COUNT_BEFORE_SECOND_LOOK,
  CANCEL_CLOSES_ONCE,
  REFUND_ON_PERMANENT_FAILURE,
  FINISH_AFTER_LAST_WRITE,
  REFUND_DECISION_DEADLINE,
  UNSEEN_KEYS_BACK_TO_STOCK,
  CONTINUE_AS_NEW_WHILE_WAITING,
  REFUND_STOPS_KEY_CHECK,
  SHORT_CRITICAL_PATH,
  PROVIDER_DISPUTES,
  CANCEL_REQUEST_SETTLES,
  CARRIERS_IN_TURN,
  LONG_WAIT_JUDGED_AT_TIMER,
  PAYMENT_RAILS,
  CLOSE_PROVIDER_ORDER,
  LOCAL_KEY_CHECK,
];
/**
 * The order's epochs, newest first (see Versions): a new order records the first one's marker and
 * follows its changes. A change made later goes in the newest epoch's `since` list.
 */
const ORDER_EPOCHS: Epoch[] = [
  { id: 'order-versions-2', changes: [...FIRST_EPOCH_CHANGES, CHECKED_KEYS_IN_ONE_STEP] },
  // Orders begun in it asked for checked-keys-in-one-step at their first task.
  { id: 'order-versions-at-first-task', changes: FIRST_EPOCH_CHANGES, since: [CHECKED_KEYS_IN_ONE_STEP] },
];
// Complaints' patch ids are at the foot of workflows/complaint.ts, the report fold's at the foot of workflows/reportFold.ts.

/** Orders taken before ORDER_HISTORY_EVENTS existed carry on in a new run past this many events. */
const DEFAULT_HISTORY_EVENTS = 10_000;

/** Orders taken before REFUND_DECISION_WAIT existed wait this long for an agent's decision. */
const DEFAULT_REFUND_DECISION_WAIT_MS = 48 * 60 * 60 * 1000;

function conflict(message: string): never {
  throw ApplicationFailure.nonRetryable(message, CONFLICT);
}
