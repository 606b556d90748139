import { ActivityFailure, ApplicationFailure, condition, getExternalWorkflowHandle, setHandler } from '@temporalio/workflow';
import type { RefundKind } from '../db/schemas';
import { formatMoney, type Money } from '../domain/money';
import { orderWorkflowId } from '../domain/order';
import { PROVIDER_REFUSED, type PaymentMethod } from '../domain/payment';
import { provider, store } from './activities';
import { refundMoot, refundProgress, type RefundProgress } from './messages';
import { now } from './time';

export interface RefundInput {
  refundId: string;
  /** `order`: the order's own refund, which ends it; `unwanted`: a payment the order must not keep; `stray`: one for a closed or unknown order. */
  kind: RefundKind;
  orderId: string;
  paymentId: string;
  amount: Money;
  reason: string;
  method?: PaymentMethod;
}

/** How long a refund the provider refused waits before it is asked again; a person settles the cause meanwhile. */
const REFUSED_REFUND_RETRY = '1h';

/**
 * One refund, paid out at most once whoever asks (its workflow id is the refund id, and the
 * provider takes the refund id as its idempotency key). A provider that refuses it for good does not
 * end it with the money kept, nor retry unseen: the refund is listed for ops (GET /v1/ops/attention,
 * and /metrics) and asked again every hour until it goes through. Nothing else waits on it but the
 * order whose end it is.
 */
export async function refund(input: RefundInput): Promise<'paid' | 'moot'> {
  let moot = false;
  setHandler(refundMoot, () => void (moot = true));
  let refusedSince: string | undefined;
  while (!moot) {
    try {
      await provider.refundPayment({ refundId: input.refundId, orderId: input.orderId, paymentId: input.paymentId, amount: input.amount, reason: input.reason, ...(input.method ? { method: input.method } : {}) });
      if (refusedSince) await store.refundWentThrough({ refundId: input.refundId });
      await tellOrder(input, { refundId: input.refundId, outcome: 'paid' });
      return 'paid';
    } catch (err) {
      const why = refusal(err);
      if (why === undefined) throw err;
      if (!refusedSince) {
        refusedSince = now();
        const { refundId, kind, orderId, paymentId } = input;
        await store.refundNeedsAttention({ refundId, kind, orderId, paymentId, reason: `the provider refused refund ${refundId}: ${why}`, since: refusedSince });
        await tellOrder(input, { refundId, outcome: 'refused', reason: why });
      }
      await condition(() => moot, REFUSED_REFUND_RETRY);
    }
  }
  if (refusedSince) await store.refundWentThrough({ refundId: input.refundId });
  await tellOrder(input, { refundId: input.refundId, outcome: 'moot' });
  return 'moot';
}

/** The provider's refusal of the refund for good, in its words; undefined for any other failure. */
function refusal(err: unknown): string | undefined {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === PROVIDER_REFUSED ? err.cause.message : undefined;
}

/**
 * The order hears how its refund went; an order that has closed meanwhile (or never ran: a stray
 * payment) gets the line in its timeline that its workflow can no longer write.
 */
async function tellOrder(input: RefundInput, progress: RefundProgress): Promise<void> {
  if (input.kind !== 'stray') {
    try {
      await getExternalWorkflowHandle(orderWorkflowId(input.orderId)).signal(refundProgress, progress);
      return;
    } catch {
      // closed: noted below
    }
  }
  if (progress.outcome !== 'paid') return;
  await store.noteClosedOrder({
    noteId: input.refundId,
    orderId: input.orderId,
    entry: { at: now(), type: 'payment_refunded', actor: 'system', detail: `payment ${input.paymentId} of ${formatMoney(input.amount)} refunded as ${input.refundId}: ${input.reason}` },
  });
}
