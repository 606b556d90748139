import { WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure, TypedSearchAttributes, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { affectedOrders, lastDetectedResolvedAt, lateOrdersSeen, openIncidents, projectIncident } from '../db/incidents';
import { buyersOf, type BuyerToCompensate } from '../domain/compensation';
import { coversOutage, ordersOf, watchFrom, type DeliveryWatch, type IncidentView } from '../domain/incident';
import type { Money } from '../domain/money';
import { orderWorkflowId, type PaymentNotice } from '../domain/order';
import { DEFAULT_MERCHANT, merchantOr } from '../domain/merchant';
import { lateFindRefusal } from '../domain/orderLife';
import type { PaymentMethod } from '../domain/payment';
import { MERCHANT, ORDER_STATUS, SKU } from '../domain/searchAttributes';
import { orderCarry } from '../workflows/messages';
import type { WaitingOrder } from '../workflows/order';
import type { WorkerActivityDeps } from './deps';

/** An order an incident's reconciliation asks its provider about. */
export interface OrderToReconcile {
  orderId: string;
  amount: Money;
  method: PaymentMethod;
}

/** What incidents do to the world: their read model, the orders they touched, and reviving a cancelled order found paid. */
export function incidentActivities({ store, config, temporal }: WorkerActivityDeps) {
  const sloMs = config.incidents.deliverySloMs;
  return {
    async recordIncident({ seq, view }: { seq: number; view: IncidentView }): Promise<void> {
      await projectIncident(store, seq, view);
    },

    /** The incident's orders cancelled at their due time without a payment notice: the ones to ask the provider about. */
    async ordersToReconcile({ incident }: { incident: IncidentView }): Promise<OrderToReconcile[]> {
      const orders = await affectedOrders(store, incident, sloMs, new Date().toISOString(), ordersOf(incident));
      return orders.filter((o) => o.reason === 'cancelled_without_notice').map(({ orderId, amount, method }) => ({ orderId, amount, method }));
    },

    /** Each buyer the incident hurt, once per merchant, by keyed hash with their latest affected order there: whom its compensation grants a coupon. */
    async buyersToCompensate({ incident }: { incident: IncidentView }): Promise<BuyerToCompensate[]> {
      return buyersOf(await affectedOrders(store, incident, sloMs, new Date().toISOString(), ordersOf(incident)));
    },

    /** The last few minutes of deliveries, as the watcher judges them (domain/incident.ts: incidentToOpen). */
    async watchDeliveries(): Promise<DeliveryWatch & { from: string }> {
      const now = new Date().toISOString();
      const lastResolvedAt = await lastDetectedResolvedAt(store);
      const from = watchFrom(now, lastResolvedAt);
      const [seen, open] = await Promise.all([lateOrdersSeen(store, from, lastResolvedAt, sloMs, now), openIncidents(store)]);
      const covering = open.filter((i) => coversOutage(i, DEFAULT_MERCHANT));
      return { ...seen, openIncident: covering.length > 0, openCauses: covering.map((i) => i.cause), from };
    },

    /**
     * A cancelled order whose payment the provider holds, made good: its closed workflow's state is
     * read back (a query replays it) and a new run of the order starts from it with the payment,
     * which the order's own rules deliver (or refund, without stock). An order that has already
     * taken a payment, or is not cancelled, is left as it is: `already_handled`.
     */
    async reviveOrder({ notice, incidentId }: { notice: PaymentNotice; incidentId: string }): Promise<'made_good' | 'already_handled'> {
      const handle = temporal.workflow.getHandle(orderWorkflowId(notice.orderId));
      let carried: WaitingOrder;
      try {
        carried = await handle.query(orderCarry);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw ApplicationFailure.nonRetryable(`order ${notice.orderId} has no workflow to revive`, 'UnknownOrder');
        throw err;
      }
      // A retry after a start whose answer was lost finds the run it started.
      if (lateFindRefusal(carried.state, notice)) return carried.state.foundLateBy === incidentId ? 'made_good' : 'already_handled';
      const { input } = carried.state;
      try {
        await temporal.workflow.start('order', {
          taskQueue: config.temporal.taskQueue,
          workflowId: orderWorkflowId(input.orderId),
          args: [input, { ...carried, then: { type: 'paymentFoundLate', notice, incidentId } } satisfies WaitingOrder],
          // The cancelled run has closed: this one follows it under the same id.
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
          typedSearchAttributes: new TypedSearchAttributes([
            { key: ORDER_STATUS, value: carried.state.view.status },
            { key: SKU, value: input.sku },
            { key: MERCHANT, value: merchantOr(input.listing?.merchantId) },
          ]),
          memo: { summary: `${input.quantity} × ${input.sku}, made good by incident ${incidentId}` },
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        // Its cancelled run is still closing its provider order: asked again once it has ended.
        throw ApplicationFailure.retryable(`order ${input.orderId} is still running`, 'OrderStillRunning');
      }
      return 'made_good';
    },
  };
}
