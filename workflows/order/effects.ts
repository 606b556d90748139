import { TypedSearchAttributes, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { merchantOr } from '../../domain/merchant';
import { MERCHANT } from '../../domain/searchAttributes';
import { ParentClosePolicy, getExternalWorkflowHandle, sleep, startChild, workflowInfo } from '@temporalio/workflow';
import { complaintWorkflowId, type ComplaintFiling, type ComplaintPolicy } from '../../domain/complaint';
import { methodOf } from '../../domain/payment';
import type { OrderEffect, OrderEvent, OrderState } from '../../domain/orderLife';
import { checkouts, closing, localStore, provider } from '../activities';
import { refundMoot, remedyApplied } from '../messages';
import { msUntil } from '../time';
import { emailBuyer } from '../email';
import { takeKeys } from './keys';
import type { OrderRecord } from './record';

export type Filing = ComplaintFiling & { policy: ComplaintPolicy };

/**
 * The order's hands: carries out what `decide` asked, one effect at a time. Quick store steps are
 * awaited; anything that may take long (the provider, the supplier, a refund, a timer) runs beside
 * the order and comes back as an event, so nothing waiting on the world holds up the order's other
 * business.
 */
export class OrderHands {
  /** Work in flight beside the order (asking the provider, taking keys): the order ends only without any. */
  running = 0;
  private stopKeys = false;

  constructor(
    private readonly record: OrderRecord,
    private readonly tell: (event: OrderEvent) => void,
    private readonly state: () => OrderState,
  ) {}

  async carryOut(effect: OrderEffect): Promise<void> {
    const state = this.state();
    const { orderId, sku } = state.input;
    switch (effect.type) {
      case 'write':
        for (const type of effect.events) this.record.raise(state, type, effect.complaintId);
        if (!effect.passing) await this.record.write(state);
        return;
      case 'timer':
        void sleep(msUntil(effect.at)).then(() => this.tell(effect.name === 'refundDecisionDue' ? { type: effect.name, request: effect.request ?? 0 } : { type: effect.name }));
        return;
      case 'markDelivered':
        this.record.deliverWithNextWrite(effect.keyIds);
        return;
      case 'markInvalid':
        for (const keyId of effect.keyIds) await localStore.markKeyInvalid({ orderId, keyId });
        return;
      case 'releaseKeys':
        await localStore.releaseReservedKeys({ orderId });
        return;
      case 'revokeKeys':
        await localStore.revokeKeys({ orderId, keyIds: effect.keyIds });
        return;
      case 'takeKeys':
        return this.beside(async () => {
          this.stopKeys = false;
          const oldKeyIds = state.view.keys.map((k) => k.keyId);
          const taken = await takeKeys(state.input, state.keys, effect.purpose, () => this.tell({ type: 'keysHeld' }), () => this.stopKeys);
          return effect.request ? { type: 'keysReplaced', request: effect.request, oldKeyIds, ...taken } : { type: 'keysTaken', ...taken };
        });
      case 'stopTakingKeys':
        this.stopKeys = true;
        return;
      case 'reconcile':
        return this.beside(async () => {
          const method = methodOf(state.input);
          const rail = method !== 'generic' ? { method } : {};
          const found = await provider.findProviderPayments({ orderId, ...rail });
          return { type: 'reconciled', found: found.map((p) => ({ eventId: `reconciled:${p.paymentId}:${p.status}`, orderId, ...p, ...rail })) };
        });
      case 'openCheckout':
        return this.beside(async () => {
          const { amount, paymentDueAt: dueAt, quantity } = state.input;
          const checkout = await checkouts.openCheckout({ orderId, method: methodOf(state.input), amount, dueAt, sku, quantity });
          return { type: 'checkoutOpened', checkout };
        });
      case 'closeAtProvider':
        return this.beside(async () => {
          // The provider kept failing: its own expiry (paymentDueAt) ends it; a late payment is refunded.
          const closed = await closing.closeProviderOrder({ orderId, method: methodOf(state.input) }).catch(() => 'failed' as const);
          return { type: 'providerOrderClosed', closed };
        });
      case 'refund':
        return this.startRefund(effect);
      case 'refundMoot':
        await getExternalWorkflowHandle(effect.refundId).signal(refundMoot).catch(() => undefined);
        return;
      case 'answerRemedy':
        // A complaint that has ended meanwhile hears nothing; the order's timeline keeps what was done.
        await getExternalWorkflowHandle(complaintWorkflowId(effect.request.complaintId)).signal(remedyApplied, effect.outcome).catch(() => undefined);
        return;
      case 'emailBuyer':
        if (state.input.emailBuyer) await emailBuyer({ eventId: effect.eventId, orderId, kind: effect.kind });
        return;
      case 'startComplaint':
        return this.startComplaint(effect.complaintId, effect.filing as Filing, effect.createdAt);
      case 'redeemCoupon': {
        const redeemed = await localStore.redeemOrderCoupon({ code: effect.code, orderId, paymentId: effect.paymentId });
        // `?.`: histories recorded before it answered anything replay with no answer.
        if (redeemed?.overLimit) this.tell({ type: 'couponOverLimit', code: effect.code });
        return;
      }
      case 'releaseCoupon':
        await localStore.releaseOrderCoupon({ code: effect.code, orderId, because: effect.because });
        return;
    }
  }

  /** A refund of its own, whoever else may have asked for it (same id: paid once); it outlives the order. */
  private async startRefund(effect: Extract<OrderEffect, { type: 'refund' }>): Promise<void> {
    const { refundId, paymentId, amount, reason, method, awaited } = effect;
    try {
      await startChild('refund', {
        workflowId: refundId,
        taskQueue: workflowInfo().taskQueue,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        args: [{ refundId, kind: awaited ? 'order' : 'unwanted', orderId: this.state().input.orderId, paymentId, amount, reason, ...(method ? { method } : {}) }],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  /** A complaint is a workflow of its own; the order stays open until it is over, whichever way it ends. */
  private async startComplaint(complaintId: string, filing: Filing, createdAt: string): Promise<void> {
    const state = this.state();
    const { policy, ...complaint } = filing;
    const child = await startChild('complaint', {
      workflowId: complaintWorkflowId(complaintId),
      taskQueue: workflowInfo().taskQueue,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      // Found in the Temporal UI with its order's merchant (`Merchant = "…"`).
      typedSearchAttributes: new TypedSearchAttributes([{ key: MERCHANT, value: merchantOr(state.input.listing?.merchantId) }]),
      args: [{ ...complaint, complaintId, orderId: state.input.orderId, sku: state.input.sku, createdAt, policy }],
    });
    const closed = () => this.tell({ type: 'complaintClosed', complaintId });
    void child.result().then(closed, closed);
  }

  /** Work that may take long, beside the order; what it finds comes back as an event. */
  private beside(work: () => Promise<OrderEvent>): void {
    this.running += 1;
    void work().then(
      (event) => {
        this.running -= 1;
        this.tell(event);
      },
      (err: unknown) => {
        this.running -= 1;
        throw err;
      },
    );
  }
}
