import {
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure, TypedSearchAttributes, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import type { Store } from '../db/store';
import { orderWorkflowId, type OrderInput, type OrderView, type PaymentNotice } from '../domain/order';
import { MERCHANT, ORDER_STATUS, SKU } from '../domain/searchAttributes';
import { merchantOr } from '../domain/merchant';
import { CONFLICT, paymentNotified } from '../workflows/messages';
import { latePaymentWorkflowId, newOrderState } from '../domain/orderLife';
import { orderViewRow, projectNewer } from '../db/projection';
import { lateNotesOf } from '../db/orderNotes';
import { OrderViewReads } from '../db/orderViewReads';
import { conflict, notFound } from './errors';

/**
 * Everything the API asks of Temporal about orders: start, signal, update, query. It never writes
 * an order's state itself; the order workflow is the single writer.
 */
export class OrderGateway {
  /** Buyers' pages ask about their orders again and again: read together, and whole only when they moved. */
  private readonly rows: OrderViewReads;

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly store: Store,
  ) {
    this.rows = new OrderViewReads(store);
  }

  /** Start the order's workflow; starting it again (an idempotent retry) is not an error. */
  async start(input: OrderInput): Promise<void> {
    try {
      await this.client.workflow.start('order', {
        taskQueue: this.taskQueue,
        workflowId: orderWorkflowId(input.orderId),
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: new TypedSearchAttributes([
          { key: ORDER_STATUS, value: 'AWAITING_PAYMENT' },
          { key: SKU, value: input.sku },
          { key: MERCHANT, value: merchantOr(input.listing?.merchantId) },
        ]),
        memo: {
          summary: `${input.quantity} × ${input.sku} for ${input.amount.amount} ${input.amount.currency}, buyer ${input.buyerEmailMasked}`,
        },
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  /**
   * The order as its workflow last wrote it to the read model, without asking the workflow; null
   * before its first write. An order writes each step there before it shows the step to anyone
   * (a query, a webhook), so a delivered order's keys are in it by the time a buyer hears.
   */
  async lastWritten(orderId: string): Promise<OrderView | null> {
    const projected = await this.store.orderViews.findById(orderId, { view: 1 }).lean();
    return projected?.view ?? null;
  }

  /**
   * The order as the read model shows it, with what happened to it after its workflow closed. The
   * order writes each step there before it shows the step to anyone, and the API writes a new
   * order's first row before it answers: reading it costs the engine nothing.
   */
  async view(orderId: string): Promise<OrderView> {
    const row = await this.rows.get(orderId);
    if (!row) throw notFound(`order ${orderId} does not exist`);
    if (!row.lateNotes) return row.view;
    return { ...row.view, timeline: [...row.view.timeline, ...(await lateNotesOf(this.store, orderId))] };
  }

  /** A new order is listed and readable the moment it is taken; its workflow's first step supersedes this row. */
  async showNew(input: OrderInput): Promise<void> {
    const { view, statusSince } = newOrderState(input);
    await projectNewer(this.store.orderViews, orderViewRow(0, view, statusSince, input.listing ?? {}));
  }

  /**
   * A human action on the order. A validator's refusal is a 409 with its reason. `updateId` makes a
   * retry of the same request harmless (see actionIds.ts).
   */
  async act<Ret, Arg>(orderId: string, update: UpdateDefinition<Ret, [Arg]>, arg: Arg, updateId?: string): Promise<Ret> {
    try {
      return await this.handle(orderId).executeUpdate(update, { args: [arg], ...(updateId ? { updateId } : {}) });
    } catch (err) {
      conflictOfUpdate(err);
      if (err instanceof WorkflowNotFoundError) {
        const projected = await this.store.orderViews.findById(orderId).lean();
        if (!projected) throw notFound(`order ${orderId} does not exist`);
        throw conflict(`the order is ${projected.status} and closed`);
      }
      throw err;
    }
  }

  /**
   * Hand a payment notice to its order. An order whose workflow has closed (or never existed)
   * cannot take it; a success then goes to its own workflow, which refunds it unless it is the
   * very payment the order was paid with.
   */
  async notifyPayment(notice: PaymentNotice): Promise<'signalled' | 'stray' | 'ignored'> {
    try {
      await this.handle(notice.orderId).signal(paymentNotified, notice);
      return 'signalled';
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    if (notice.status !== 'succeeded') return 'ignored';
    try {
      await this.client.workflow.start('strayPayment', {
        taskQueue: this.taskQueue,
        workflowId: latePaymentWorkflowId(notice.orderId, notice.paymentId),
        args: [notice],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    return 'stray';
  }

  /** A closed order's timeline, with what happened to it after its workflow closed. */
  handle(orderId: string) {
    return this.client.workflow.getHandle(orderWorkflowId(orderId));
  }
}

/** An update's validator (or handler) refused with a Conflict: the caller hears a 409 with its reason. */
export function conflictOfUpdate(err: unknown): void {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === CONFLICT) {
    throw conflict(err.cause.message);
  }
}
