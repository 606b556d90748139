import { ApplicationFailure, CancellationScope, allHandlersFinished, condition, makeContinueAsNewFunc, setHandler, sleep, uuid4, workflowInfo } from '@temporalio/workflow';
import type { OrderInput, OrderView } from '../domain/order';
import { decide, isOver, newOrderState, refusal, type OrderAsk, type OrderEvent, type OrderState } from '../domain/orderLife';
import {
  CONFLICT,
  cancelOrder,
  complaintRemedy,
  decideRefund,
  fileComplaint,
  offerRestock,
  orderCarry,
  orderView,
  paymentDisputed,
  paymentNotified,
  refundProgress,
  requestRefund,
} from './messages';
import { OrderHands } from './order/effects';
import { OrderRecord, type RecordState } from './order/record';
import { after, msUntil, now } from './time';

/** What a paid order waiting for stock carries into a new run (continue-as-new), so a long wait never outgrows a history. */
export interface WaitingOrder {
  state: OrderState;
  record: RecordState;
  /** A closed order revived (an incident found its payment): the event the new run starts with, instead of a wait's timers. */
  then?: OrderEvent;
}

/** An event waiting its turn, and who waits to hear what it made of the order. */
interface Queued {
  event: OrderEvent;
  applied?: (state: OrderState) => void;
  refused?: (err: Error) => void;
}

/**
 * One card-key order, from the storefront's request to its end: a paid order always ends with its
 * keys delivered or its payment refunded, exactly once. What the order does is decided in
 * domain/orderLife.ts; this is the plumbing. Messages only queue events; one loop applies each in
 * turn and carries out what it asks, so every command the order gives comes from that one loop, in
 * the order its events came.
 *
 * A cancel request from Temporal (its UI, a client's cancel) cuts nothing short, which could end a
 * paid order with the money kept and no keys: it is an event the order settles like any other.
 */
export async function order(input: OrderInput, resumed?: WaitingOrder): Promise<OrderView> {
  return CancellationScope.nonCancellable(() => run(input, resumed));
}

async function run(input: OrderInput, resumed: WaitingOrder | undefined): Promise<OrderView> {
  let state = resumed?.state ?? newOrderState(input);
  const inbox: Queued[] = [];
  const tell = (event: OrderEvent) => void inbox.push({ event });
  const ask = (event: OrderEvent) => new Promise<OrderState>((applied, refused) => inbox.push({ event, applied, refused }));
  const record = new OrderRecord(resumed?.record);
  const hands = new OrderHands(record, tell, () => state);
  listen(() => state, tell, ask);
  setHandler(orderCarry, () => ({ state, record: record.state() }));
  void CancellationScope.current().cancelRequested.catch(() => tell({ type: 'cancelledInTemporal' }));

  if (resumed?.then) tell(resumed.then);
  else if (resumed) rearmWaitTimers(state, tell);
  else tell({ type: 'created' });

  for (;;) {
    const over = () => isOver(state) && hands.running === 0 && allHandlersFinished();
    await condition(() => inbox.length > 0 || over());
    const next = inbox.shift();
    if (!next) return state.view;
    const decision = decide(state, next.event, now());
    if (decision.refused) {
      next.refused?.(conflictFailure(decision.refused));
      continue;
    }
    state = decision.state;
    for (const effect of decision.effects) await hands.carryOut(effect);
    next.applied?.(state);
    if (inbox.length === 0 && longWaitOutgrewHistory(state, hands)) {
      // The ops' search attributes and the summary memo go with it, as the order's identity does.
      const info = workflowInfo();
      await makeContinueAsNewFunc<typeof order>({ typedSearchAttributes: info.typedSearchAttributes, memo: info.memo })(input, { state, record: record.state() });
    }
  }
}

/**
 * Every message the order takes. Validators refuse what does not fit the order as it stands (a 409
 * with the reason); the loop asks again when the event's turn comes, since events queued before it
 * may have changed the order.
 */
function listen(state: () => OrderState, tell: (event: OrderEvent) => void, ask: (event: OrderEvent) => Promise<OrderState>): void {
  const refuseUnlessFits = (question: OrderAsk) => {
    const refused = refusal(state(), question, now());
    if (refused) throw conflictFailure(refused);
  };
  setHandler(orderView, () => state().view);
  setHandler(paymentNotified, (notice) => tell({ type: 'paymentNotice', notice }));
  setHandler(complaintRemedy, (request) => tell({ type: 'remedyRequested', request }));
  setHandler(paymentDisputed, (dispute) => tell({ type: 'disputed', dispute }));
  setHandler(refundProgress, (progress) => tell({ type: 'refundProgress', ...progress }));

  setHandler(
    cancelOrder,
    async ({ actor, reason }) => {
      const answered = await ask({ type: 'cancel', actor, ...(reason ? { reason } : {}) });
      return { status: answered.view.status };
    },
    { validator: (_request) => refuseUnlessFits({ type: 'cancel' }) },
  );
  setHandler(
    requestRefund,
    async ({ actor, reason }) => {
      const answered = await ask({ type: 'refundRequested', actor, reason });
      // Waiting for stock, the money goes back at once (once a key try in flight answers).
      return { status: answered.owed ? 'REFUNDING' : answered.view.status };
    },
    { validator: ({ reason }) => refuseUnlessFits({ type: 'refundRequest', reason }) },
  );
  setHandler(
    decideRefund,
    async ({ actor, approve, note }) => {
      const answered = await ask({ type: 'refundDecided', actor, approve, ...(note ? { note } : {}) });
      return { status: answered.view.status };
    },
    { validator: ({ approve }) => refuseUnlessFits({ type: 'refundDecision', approve }) },
  );
  setHandler(
    offerRestock,
    async () => {
      // Answers once the try this offer caused has answered, with where the order stands then.
      const offered = (await ask({ type: 'restockOffered' })).restock.offers;
      await condition(() => state().restock.answered >= offered || (state().view.status !== 'OUT_OF_STOCK' && !state().keys.taking));
      return { status: state().view.status };
    },
    { validator: () => refuseUnlessFits({ type: 'restockOffer' }) },
  );
  setHandler(
    fileComplaint,
    async (filing) => {
      const complaintId = uuid4().replace(/-/g, '');
      const filed = await ask({ type: 'complaintFiled', complaintId, filing, actor: 'buyer' });
      const createdAt = [...filed.view.timeline].reverse().find((entry) => entry.type === 'complaint_filed')?.at ?? now();
      return {
        complaintId,
        status: 'OPEN' as const,
        firstResponseDueAt: after(createdAt, filing.policy.firstResponseMs),
        resolutionDueAt: after(createdAt, filing.policy.resolutionMs),
      };
    },
    { validator: (_filing) => refuseUnlessFits({ type: 'fileComplaint' }) },
  );
}

/** A new run of a waiting order has no timers: it sets the ones its wait needs again. */
function rearmWaitTimers(state: OrderState, tell: (event: OrderEvent) => void): void {
  tell({ type: 'restockLook' });
  if (state.restock.deadline && Date.parse(state.restock.deadline) <= Date.parse(now())) tell({ type: 'restockDeadline' });
  else if (state.restock.deadline) void sleep(msUntil(state.restock.deadline)).then(() => tell({ type: 'restockDeadline' }));
}

/**
 * A long wait for stock looks at the stock now and then, and each look adds to the history; past
 * the history bound (or when the server suggests it) the order carries on in a new run, once
 * nothing is in flight that belongs to this one (a key try, a complaint, a handler).
 */
function longWaitOutgrewHistory(state: OrderState, hands: OrderHands): boolean {
  if (state.view.status !== 'OUT_OF_STOCK' || state.keys.taking || state.openComplaint || state.owed || hands.running > 0 || !allHandlersFinished()) return false;
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= (state.input.policy.historyEvents ?? DEFAULT_HISTORY_EVENTS);
}

/** Orders taken before ORDER_HISTORY_EVENTS existed carry on in a new run past this many events. */
const DEFAULT_HISTORY_EVENTS = 10_000;

function conflictFailure(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, CONFLICT);
}
