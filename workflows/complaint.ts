import { ApplicationFailure, allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import { REMEDY_ANSWER_WITHIN, type ComplaintInput, type ComplaintView, type ComplaintViewDelta, type RemedyPending } from '../domain/complaint';
import { decide, isOver, newComplaintState, nextDeadline, refusal, type ComplaintAsk, type ComplaintEvent, type ComplaintState } from '../domain/complaintLife';
import { CONFLICT, buyerConfirm, buyerReply, complaintAction, complaintView, disputeChanged, remedyApplied } from './messages';
import { ComplaintHands } from './complaint/effects';
import { msUntil, now } from './time';

/** An event waiting its turn, and who waits to hear what it made of the complaint. */
interface Queued {
  event: ComplaintEvent;
  applied?: (state: ComplaintState) => void;
  refused?: (err: Error) => void;
}

/** The complaint's inbox and where it stands, as its message handlers see them. */
interface Desk {
  state: () => ComplaintState;
  tell: (event: ComplaintEvent) => void;
  ask: (event: ComplaintEvent) => Promise<ComplaintState>;
  /** Whether the loop is still carrying out an event's effects (an answer waits for its step to be written). */
  busy: () => boolean;
  hands: ComplaintHands;
}

/**
 * One buyer's complaint on one order, from filing to closing, with deadlines nobody can forget.
 * What the complaint does is decided in domain/complaintLife.ts; this is the plumbing. Messages
 * only queue events; one loop applies each in turn, carries out what it asks, and wakes for the
 * next deadline, so every step comes from that one loop, in the order its events came.
 */
export async function complaint(input: ComplaintInput): Promise<ComplaintView | ComplaintViewDelta> {
  let state = newComplaintState(input);
  let busy = false;
  const inbox: Queued[] = [];
  const tell = (event: ComplaintEvent) => void inbox.push({ event });
  const ask = (event: ComplaintEvent) => new Promise<ComplaintState>((applied, refused) => inbox.push({ event, applied, refused }));
  const hands = new ComplaintHands(input, tell);
  tell({ type: 'opened' });
  listen({ state: () => state, tell, ask, busy: () => busy, hands });

  for (;;) {
    const next = await nextEvent(state, inbox, () => isOver(state) && hands.idle && allHandlersFinished());
    if (!next) return hands.record.outgoing(state.view);
    const decision = decide(state, next.event, now());
    if (decision.refused) {
      next.refused?.(conflictFailure(decision.refused));
      continue;
    }
    state = decision.state;
    busy = true;
    for (const effect of decision.effects) await hands.carryOut(effect, state);
    busy = false;
    next.applied?.(state);
  }
}

/** The next event: one queued, or the clock's when the next deadline comes first; none once the complaint is over. */
async function nextEvent(state: ComplaintState, inbox: Queued[], over: () => boolean): Promise<Queued | undefined> {
  const due = nextDeadline(state);
  const ready = () => inbox.length > 0 || over();
  const woken = due === undefined ? (await condition(ready), true) : msUntil(due.at) > 0 && (await condition(ready, msUntil(due.at)));
  if (!woken && inbox.length === 0) return { event: { type: 'due' } };
  return inbox.shift();
}

/**
 * Every message the complaint takes. Validators refuse what does not fit the complaint as it stands
 * (a 409 with the reason); the loop asks again when the event's turn comes, since events queued
 * before it may have changed the complaint.
 */
function listen(desk: Desk): void {
  const { state, tell, ask, hands } = desk;
  const refuseUnlessFits = (question: ComplaintAsk) => {
    const refused = refusal(state(), question);
    if (refused) throw conflictFailure(refused);
  };
  setHandler(complaintView, () => state().view);
  setHandler(remedyApplied, (outcome) => tell({ type: 'remedyAnswered', outcome }));
  // A provider's dispute this complaint follows (or one that attaches to it): where it stands, and how it ended.
  setHandler(disputeChanged, (dispute) => tell({ type: 'disputeChanged', dispute }));

  setHandler(
    complaintAction,
    async ({ action, note, actor }) => {
      const answered = await ask({ type: 'agentAction', action, actor, ...(note !== undefined ? { note } : {}) });
      if (answered.remedy && (action === 'resolve_replace' || action === 'resolve_refund')) return remedyInTime(desk, answered.remedy.id);
      return hands.record.outgoing(answered.view);
    },
    { validator: ({ action, note }) => refuseUnlessFits({ type: 'action', action, ...(note !== undefined ? { note } : {}) }) },
  );
  setHandler(
    buyerReply,
    async ({ message }) => hands.record.outgoing((await ask({ type: 'buyerReplied', message })).view),
    { validator: ({ message }) => refuseUnlessFits({ type: 'reply', message }) },
  );
  setHandler(
    buyerConfirm,
    async ({ satisfied, rating, comment }) => {
      const confirmed = await ask({ type: 'buyerConfirmed', satisfied, ...(rating !== undefined ? { rating } : {}), ...(comment ? { comment } : {}) });
      return hands.record.outgoing(confirmed.view);
    },
    { validator: ({ rating }) => refuseUnlessFits({ type: 'confirm', ...(rating !== undefined ? { rating } : {}) }) },
  );
}

/**
 * The agent's answer to a remedy asked of the order, within REMEDY_ANSWER_WITHIN either way:
 * resolved, refused (a 409 that leaves the complaint exactly as it was), or pending when the order
 * needs longer (a supplier that is down, a refund that takes its time); a pending remedy shows in
 * the view, and its outcome lands there when the order answers.
 */
async function remedyInTime(desk: Desk, id: number): Promise<ComplaintView | ComplaintViewDelta | RemedyPending> {
  const { state, ask, busy, hands } = desk;
  const answered = () => state().lastRemedy?.id === id;
  if (!(await condition(() => answered() && !busy(), REMEDY_ANSWER_WITHIN))) {
    await ask({ type: 'remedyWaited', id });
    if (!answered()) return { status: 'pending', orderId: state().input.orderId, complaintId: state().input.complaintId };
  }
  const { remedy, outcome } = state().lastRemedy!;
  if (!outcome.ok) throw conflictFailure(`the ${remedy} could not be carried out: ${outcome.detail}`);
  return hands.record.outgoing(state().view);
}

function conflictFailure(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, CONFLICT);
}
