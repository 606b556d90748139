import { ParentClosePolicy, executeChild, workflowInfo } from '@temporalio/workflow';
import { refundIdFor, viaRail } from '../domain/orderLife';
import type { PaymentNotice } from '../domain/order';
import { store } from './activities';

/**
 * A successful payment for an order whose workflow has already closed (cancelled, refunded,
 * completed) or that never existed. Unless it is the very payment that order was paid with, the
 * money goes back, once, by a refund of its own (which waits on a person if the provider refuses it).
 */
export async function strayPayment(notice: PaymentNotice): Promise<'refunded' | 'already_applied'> {
  const order = await store.paymentOfOrder({ orderId: notice.orderId });
  if (order.paymentId === notice.paymentId) return 'already_applied';
  const refundId = refundIdFor(notice.orderId, notice.paymentId);
  const reason = !order.known ? 'payment for an unknown order' : 'payment after the order had closed';
  await executeChild('refund', {
    workflowId: refundId,
    taskQueue: workflowInfo().taskQueue,
    parentClosePolicy: ParentClosePolicy.ABANDON,
    args: [{ refundId, kind: 'stray', orderId: notice.orderId, paymentId: notice.paymentId, amount: notice.amount, reason, ...viaRail(notice.method) }],
  });
  return 'refunded';
}
