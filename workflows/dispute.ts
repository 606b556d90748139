import { TypedSearchAttributes } from '@temporalio/common';
import { ParentClosePolicy, condition, getExternalWorkflowHandle, log, setHandler, startChild, uuid4, workflowInfo } from '@temporalio/workflow';
import { complaintWorkflowId, type ComplaintInput } from '../domain/complaint';
import { disputeWorkflowId, providerName, type DisputeFacts, type DisputeNotice, type DisputeStart, type DisputeState } from '../domain/dispute';
import { merchantOr } from '../domain/merchant';
import { orderWorkflowId } from '../domain/order';
import { MERCHANT } from '../domain/searchAttributes';
import { provider, store } from './activities';
import { disputeChanged, disputeNoticed, paymentDisputed } from './messages';
import { msUntil, now } from './time';

type OrderFacts = Awaited<ReturnType<typeof store.disputedOrder>>;

/**
 * One provider dispute (a Stripe dispute, a WeChat Pay 消费者投诉), from its first event to its
 * outcome. Started by signal-with-start with the first event, so it works the same whether the
 * order's workflow is running or long closed: it asks the provider for the dispute's order, opens
 * a complaint on that order with the order's read-model facts (or attaches to the complaint already
 * open on it), tells the order, and records the outcome on both. Each event is taken once (by the
 * provider's event id); an event that changes nothing about the dispute adds nothing.
 *
 * Money: the order (when its workflow runs) holds refunds while a Stripe dispute is open, and a lost
 * one ends it REFUNDED by the bank with no refund of its own. An order closed already cannot refund
 * again; a lost dispute then revokes its keys and notes the chargeback on its timeline.
 */
export async function dispute(start: DisputeStart): Promise<DisputeState | null> {
  const { source, externalId } = start;
  const name = `${providerName(source)} ${source === 'wechatpay' ? 'complaint' : 'dispute'} ${externalId}`;
  const stateOf = (facts: DisputeFacts) => disputeStateOf(start, facts);
  const waiting: DisputeNotice[] = [];
  const seen = new Set<string>();
  setHandler(disputeNoticed, (notice) => {
    if (seen.has(notice.eventId)) return; // the provider sent it again
    seen.add(notice.eventId);
    waiting.push(notice);
  });

  let state: DisputeState | undefined;
  let complaintId = '';
  let order: OrderFacts & { orderId: string } = { known: false, sku: '', keyIds: [], openComplaintId: null, orderId: '' };
  for (;;) {
    await condition(() => waiting.length > 0);
    const facts = await provider.readProviderDispute(waiting.shift() as DisputeNotice);
    if (!state) {
      const found = facts.orderId ? await store.disputedOrder({ orderId: facts.orderId }) : undefined;
      // A dispute at the platform's own addresses (no merchant named) is the first shop's: its accounts are the platform's.
      if (!found?.known || merchantOr(found.merchantId) !== merchantOr(start.merchantId)) {
        // Not one of our orders (or another merchant's): nothing to attach it to (an agent finds it in the provider's console).
        log.warn('dispute names no order of this shop', { dispute: name, orderId: facts.orderId, merchantId: start.merchantId });
        return null;
      }
      order = { ...found, orderId: facts.orderId as string };
      // Opened first (however late the first event came), so an outcome is told as a change of it.
      const { outcome: _outcome, ...opened } = stateOf(facts);
      state = opened;
      complaintId = await openComplaint(facts, state);
      await tellOrder(state);
    }
    const next = stateOf(facts);
    if (next.status === state.status && next.outcome === state.outcome) continue;
    state = next;
    await tellComplaint(state);
    if (state.outcome) {
      await tellOrder(state);
      return state;
    }
  }

  /** The complaint open on the order follows the dispute; else a new one is opened for it. */
  async function openComplaint(facts: DisputeFacts, opened: DisputeState): Promise<string> {
    if (order.openComplaintId) {
      try {
        await getExternalWorkflowHandle(complaintWorkflowId(order.openComplaintId)).signal(disputeChanged, opened);
        return order.openComplaintId;
      } catch {
        // It closed meanwhile: the dispute gets a complaint of its own.
      }
    }
    const id = uuid4().replace(/-/g, '');
    const input: ComplaintInput = {
      complaintId: id,
      orderId: order.orderId,
      sku: order.sku,
      category: facts.category,
      description: `${name}: ${facts.reason}`,
      evidence: [],
      createdAt: now(),
      policy: start.policy,
      source,
      dispute: opened,
      // The provider's deadline for our answer is the complaint's, when it is still ahead.
      ...(facts.dueBy && msUntil(facts.dueBy) > 0 ? { resolutionDueAt: facts.dueBy } : {}),
    };
    await startChild('complaint', {
      workflowId: complaintWorkflowId(id),
      taskQueue: workflowInfo().taskQueue,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      // Found in the Temporal UI with its order's merchant, like a complaint the buyer filed.
      typedSearchAttributes: new TypedSearchAttributes([{ key: MERCHANT, value: merchantOr(order.merchantId) }]),
      args: [input],
    });
    return id;
  }

  async function tellComplaint(current: DisputeState): Promise<void> {
    try {
      await getExternalWorkflowHandle(complaintWorkflowId(complaintId)).signal(disputeChanged, current);
    } catch {
      log.warn('the complaint following the dispute has ended', { dispute: name, complaintId });
    }
  }

  /**
   * The order learns of the dispute while its workflow runs (it holds refunds, and settles a lost
   * one itself). A closed order's timeline gets a late note, and a lost dispute revokes its keys:
   * the money went back to the buyer through the bank.
   */
  async function tellOrder(current: DisputeState): Promise<void> {
    const { orderId } = order;
    try {
      await getExternalWorkflowHandle(orderWorkflowId(orderId)).signal(paymentDisputed, {
        source,
        id: externalId,
        complaintId,
        reason: current.reason,
        ...(current.outcome ? { outcome: current.outcome } : {}),
      });
      return;
    } catch {
      // The order's workflow has closed: it can no longer refund anything.
    }
    if (current.outcome === 'lost' && order.keyIds.length > 0) await store.revokeKeys({ orderId, keyIds: order.keyIds });
    const entry = current.outcome
      ? { type: current.outcome === 'lost' ? 'charged_back' : `dispute_${current.outcome}`, detail: current.outcome === 'lost' ? `${name} lost: the buyer's bank returned the payment; the keys are revoked and no refund is sent` : `${name} ${current.outcome === 'won' ? 'closed: won' : 'completed'}` }
      : { type: 'payment_disputed', detail: `${name}: ${current.reason}; complaint ${complaintId}` };
    await store.noteClosedOrder({
      noteId: `${disputeWorkflowId(source, externalId)}.${current.outcome ?? 'opened'}`,
      orderId,
      entry: { at: now(), actor: source, ...entry },
    });
  }
}

/** The dispute as the provider's latest facts describe it. */
function disputeStateOf({ source, externalId }: DisputeStart, facts: DisputeFacts): DisputeState {
  return {
    source,
    id: externalId,
    reason: facts.reason,
    status: facts.status,
    ...(facts.outcome ? { outcome: facts.outcome } : {}),
    ...(facts.dueBy ? { dueBy: facts.dueBy } : {}),
  };
}
