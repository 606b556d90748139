import { formatMoney } from '../../domain/money';
import type { PaymentNotice } from '../../domain/order';
import { provider, store } from './activities';
import { refundIdFor, viaRail } from './order/payments';
import { now } from './time';

/**
 * A successful payment for an order whose workflow has already closed (cancelled, refunded,
 * completed) or that never existed. Unless it is the very payment that order was paid with,
 * the money goes back, once.
 */
export async function strayPaymentWorkflow(notice: PaymentNotice): Promise<'refunded' | 'already_applied'> {
  const order = await store.paymentOfOrder({ orderId: notice.orderId });
  if (order.paymentId === notice.paymentId) return 'already_applied';
  const refundId = refundIdFor(notice.orderId, notice.paymentId);
  const reason = !order.known ? 'payment for an unknown order' : 'payment after the order had closed';
  await provider.refundPayment({ refundId, orderId: notice.orderId, paymentId: notice.paymentId, amount: notice.amount, reason, ...viaRail(notice.method) });
  if (order.known) {
    await store.noteClosedOrder({
      noteId: refundId,
      orderId: notice.orderId,
      entry: { at: now(), type: 'payment_refunded', actor: 'system', detail: `payment ${notice.paymentId} of ${formatMoney(notice.amount)} refunded as ${refundId}: ${reason}` },
    });
  }
  return 'refunded';
}
