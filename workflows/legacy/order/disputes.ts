import { providerName, type PaymentDispute } from '../../../domain/dispute';
import type { OrderRecord } from './record';

/**
 * The order's side of a provider's dispute on its payment (a Stripe chargeback, a WeChat Pay
 * complaint). While one is open the bank or the provider decides where the money goes, so the
 * product refunds nothing; a lost one means the bank has returned the payment already: the order
 * ends REFUNDED without a refund of its own (money conserved: one refund, the bank's).
 */
export class DisputeDesk {
  current: PaymentDispute | undefined;
  /** A lost dispute the main flow has settled (keys revoked, the order REFUNDED by the bank). */
  private settled = false;

  constructor(private readonly order: OrderRecord) {}

  /** The dispute opened, moved or ended; a later event of an ended dispute changes nothing. */
  receive(dispute: PaymentDispute): void {
    const { order } = this;
    if (this.current?.outcome) return;
    const name = `${providerName(dispute.source)} ${dispute.source === 'wechatpay' ? 'complaint' : 'dispute'} ${dispute.id}`;
    if (!this.current) {
      order.note('payment_disputed', `${name}: ${dispute.reason}; complaint ${dispute.complaintId}`, dispute.source);
      if (!order.view.complaints.includes(dispute.complaintId)) order.view.complaints.push(dispute.complaintId);
    }
    this.current = dispute;
    if (dispute.outcome) order.note(`dispute_${dispute.outcome}`, `${name} ${dispute.outcome === 'completed' ? 'completed' : `closed: ${dispute.outcome}`}`, dispute.source);
  }

  /** Whether the bank or the provider holds the money's fate: open, or lost. */
  get open(): boolean {
    return this.current !== undefined && this.current.outcome === undefined && this.current.source === 'stripe_dispute';
  }

  get lost(): boolean {
    return this.current?.outcome === 'lost';
  }

  /** A lost dispute the order has not yet settled. */
  get chargebackDue(): boolean {
    return this.lost && !this.settled;
  }

  markSettled(): void {
    this.settled = true;
  }

  /** Why the buyer cannot file a complaint of their own now: the dispute's complaint is the order's open one. */
  complaintRefusal(): string | undefined {
    const d = this.current;
    if (!d || d.outcome) return undefined;
    return `complaint ${d.complaintId} is already open on this order, following ${providerName(d.source)}'s ${d.source === 'wechatpay' ? 'complaint' : 'dispute'} ${d.id}`;
  }

  /** Why the product may not refund the payment now, or undefined when it may. */
  refundRefusal(): string | undefined {
    const d = this.current;
    if (!d) return undefined;
    if (this.lost) return `the payment was returned to the buyer by the bank (${providerName(d.source)} dispute ${d.id} lost); there is nothing left to refund`;
    if (this.open) return `the payment is disputed at ${providerName(d.source)} (dispute ${d.id}); the dispute decides where the money goes (see complaint ${d.complaintId})`;
    return undefined;
  }
}
