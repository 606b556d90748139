import type { ReconcileOutcome } from '../domain/incident';
import type { PaymentNotice } from '../domain/order';
import { store } from './activities';

/**
 * A payment an incident's reconciliation found at the provider for an order cancelled without its
 * notice. Its workflow id is the one a late notice's refund (strayPayment) would take, so the
 * payment is either made good here or refunded there, never both. The order's own rules do the
 * rest: keys delivered, or the money back when there is no stock.
 */
export async function paymentFoundLate({ notice, incidentId }: { notice: PaymentNotice; incidentId: string }): Promise<ReconcileOutcome> {
  return store.reviveOrder({ notice, incidentId });
}
