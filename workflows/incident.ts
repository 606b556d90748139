import { ApplicationFailure, ChildWorkflowFailure, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { ParentClosePolicy, allHandlersFinished, condition, executeChild, setHandler, sleep } from '@temporalio/workflow';
import {
  compensationKey,
  compensationRefusal,
  compensationSummary,
  couponTermsOf,
  type Compensation,
  type CompensationDone,
} from '../domain/compensation';
import {
  PUBLIC_RESOLVED_FOR_MS,
  newIncident,
  noted,
  paymentToMakeGood,
  reconcileSummary,
  resolve,
  resolveRefusal,
  type IncidentInput,
  type IncidentView,
  type ReconcileOutcome,
} from '../domain/incident';
import type { PaymentNotice } from '../domain/order';
import { latePaymentWorkflowId } from '../domain/orderLife';
import type { OrderToReconcile } from '../activities/incidents';
import { provider, store } from './activities';
import { emailBuyer } from './email';
import { CONFLICT, compensateIncident, incidentView, reconcileIncident, resolveIncident } from './messages';
import { now } from './time';

/** Orders asked about at their provider (or buyers granted a coupon) at once. */
const RECONCILE_AT_ONCE = 10;

/**
 * One incident, from its declaration (by ops, or by the product's watcher) to 30 days after it is
 * resolved, while it shows on the public status page and ops may still make good what it cost.
 * Every change is written to the incidents read model and kept in its timeline. A reconciliation
 * asks the provider about each order the incident saw cancelled without a payment notice; one paid
 * there is made good by its own order (workflows/paymentFoundLate.ts), once per payment.
 */
export async function incident(input: IncidentInput): Promise<IncidentView> {
  let view = newIncident(input);
  let seq = 0;
  let reconcilesAsked = 0;
  let reconcilesDone = 0;
  let followUpOver = false;
  const write = async () => {
    seq += 1;
    await store.recordIncident({ seq, view });
  };

  setHandler(incidentView, () => view);
  setHandler(
    resolveIncident,
    async ({ actor, publicNote }) => {
      view = resolve(view, publicNote, actor, now());
      void sleep(PUBLIC_RESOLVED_FOR_MS).then(() => (followUpOver = true));
      await write();
      return view;
    },
    {
      validator: (_request) => {
        const refused = resolveRefusal(view);
        if (refused) throw ApplicationFailure.nonRetryable(refused, CONFLICT);
      },
    },
  );
  setHandler(reconcileIncident, async ({ actor, note }) => {
    reconcilesAsked += 1;
    view = noted(view, { at: now(), type: 'reconcile_requested', actor, ...(note ? { detail: note } : {}) });
    await write();
    return { status: 'reconciling' as const };
  });

  // One compensation per incident: a repeat (or one asked meanwhile) awaits the first and answers its coupons.
  let compensating: { terms: Compensation; done: Promise<CompensationDone> } | undefined;
  setHandler(
    compensateIncident,
    async ({ actor, terms }) => {
      compensating ??= {
        terms,
        done: compensate(view, terms, actor).then(
          async (done) => {
            view = noted({ ...view, compensation: done }, { at: now(), type: 'compensated', actor, detail: compensationSummary(done) });
            await write();
            return done;
          },
          (err: unknown) => {
            // Nothing was promised yet: ops may ask again (grants and emails already made are found, not made twice).
            compensating = undefined;
            throw err;
          },
        ),
      };
      return { coupons: (await compensating.done).coupons };
    },
    {
      validator: ({ terms }) => {
        const refused = compensationRefusal(view.compensation?.terms ?? compensating?.terms, terms);
        if (refused) throw ApplicationFailure.nonRetryable(refused, CONFLICT);
      },
    },
  );

  await write();
  for (;;) {
    await condition(() => reconcilesAsked > reconcilesDone || followUpOver);
    if (reconcilesAsked === reconcilesDone) {
      await condition(allHandlersFinished);
      return view;
    }
    const asked = reconcilesAsked;
    const outcomes = await reconcile(view);
    reconcilesDone = asked;
    view = noted(view, { at: now(), type: 'reconciled', actor: 'system', detail: reconcileSummary(outcomes) });
    await write();
  }
}

/**
 * A single-use coupon for each buyer the incident hurt, in the merchant of their affected order (a
 * platform-wide incident's buyer of two merchants gets one from each), and an email carrying it. The workflow holds
 * only the buyers' keyed hashes and order ids: the grant reads the address from order_access, and
 * the email reads the code from the coupon (activities/coupons.ts, activities/email.ts). The grant
 * key is also the email's event id, so a retried step grants and sends nothing twice.
 */
async function compensate(view: IncidentView, terms: Compensation, actor: string): Promise<CompensationDone> {
  const at = now();
  const coupon = couponTermsOf(terms, at);
  const buyers = await store.buyersToCompensate({ incident: view });
  for (let i = 0; i < buyers.length; i += RECONCILE_AT_ONCE) {
    await Promise.all(
      buyers.slice(i, i + RECONCILE_AT_ONCE).map(async ({ emailHash, orderId, merchantId }) => {
        const grantKey = compensationKey(view.incidentId, emailHash, merchantId);
        await store.grantBuyerCoupon({ grantKey, orderId, terms: coupon, createdBy: actor, ...(merchantId ? { merchantId } : {}) });
        await emailBuyer({ eventId: grantKey, orderId, kind: 'coupon_granted', grantKey });
      }),
    );
  }
  return { terms, coupons: buyers.length, at, by: actor, validUntil: coupon.validUntil };
}

async function reconcile(view: IncidentView): Promise<ReconcileOutcome[]> {
  const orders = await store.ordersToReconcile({ incident: view });
  const outcomes: ReconcileOutcome[] = [];
  for (let i = 0; i < orders.length; i += RECONCILE_AT_ONCE) {
    outcomes.push(...(await Promise.all(orders.slice(i, i + RECONCILE_AT_ONCE).map((order) => makeGood(order, view.incidentId)))));
  }
  return outcomes;
}

/** Ask the order's rail whether it was paid; a payment found there goes to the order, once. */
async function makeGood({ orderId, amount, method }: OrderToReconcile, incidentId: string): Promise<ReconcileOutcome> {
  const rail = method !== 'generic' ? { method } : {};
  const payment = paymentToMakeGood(await provider.findProviderPayments({ orderId, ...rail }), amount);
  if (!payment) return 'not_paid';
  const notice: PaymentNotice = { eventId: `reconciled:${payment.paymentId}:succeeded`, orderId, ...payment, ...rail };
  try {
    return await executeChild('paymentFoundLate', {
      // A late notice's refund (strayPayment) and this share the id: the payment is settled one way only.
      workflowId: latePaymentWorkflowId(orderId, payment.paymentId),
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [{ notice, incidentId }],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already_handled';
    if (err instanceof ChildWorkflowFailure) return 'needs_person';
    throw err;
  }
}
