import { ActivityFailure, ApplicationFailure, condition, sleep } from '@temporalio/workflow';
import { formatMoney, sameMoney } from '../../../domain/money';
import type { PaymentNotice } from '../../../domain/order';
import { PROVIDER_REFUSED, methodOf, type PaymentMethod } from '../../../domain/payment';
import { checkouts, closing, provider } from '../activities';
import type { OrderRecord } from './record';

/** The one refund id a payment can ever have, whichever path refunds it: it pays out once. */
export function refundIdFor(orderId: string, paymentId: string): string {
  return `refund-${orderId}-${paymentId}`;
}

/** How long a refund the provider refused waits before it is asked again; a person settles the cause meanwhile. */
const REFUSED_REFUND_RETRY = '1h';

/**
 * Pay a refund out. A provider that refuses it for good (a 4xx about the request) does not end the
 * order with the money kept, nor retry unseen: the order shows `attention` (ops list it as stuck and
 * count it in metrics) and asks again every hour until it goes through, then clears it. `moot` ends
 * the wait early when the refund is no longer ours to send (a lost dispute: the bank has paid it):
 * the answer is then `moot` and nothing was paid.
 */
export async function payOut(order: OrderRecord, refund: Parameters<typeof provider.refundPayment>[0], moot?: () => boolean): Promise<'paid' | 'moot'> {
  for (;;) {
    try {
      await provider.refundPayment(refund);
      if (order.view.attention) {
        delete order.view.attention;
        order.note('refund_accepted', `refund ${refund.refundId} went through after being refused`);
      }
      return 'paid';
    } catch (err) {
      if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === PROVIDER_REFUSED)) throw err;
      if (!order.view.attention) {
        order.view.attention = { reason: `the provider refused refund ${refund.refundId}: ${err.cause.message}`, since: new Date(Date.now()).toISOString() };
        order.note('refund_refused', `${err.cause.message}; asked again every hour until a person settles it at the provider`);
        await order.project();
      }
      // The same timer either way, so orders waiting here before `moot` existed replay unchanged.
      if (moot ? await condition(moot, REFUSED_REFUND_RETRY) : (await sleep(REFUSED_REFUND_RETRY), false)) {
        delete order.view.attention;
        return 'moot';
      }
    }
  }
}

/** A refund goes back by the rail the payment came by; absent (generic) leaves the call as it was. */
export function viaRail(method: PaymentMethod | undefined): { method?: PaymentMethod } {
  return method && method !== 'generic' ? { method } : {};
}

export interface PaymentState {
  paymentId?: string;
  paidVia?: PaymentMethod;
  seenEvents: string[];
  settledPayments: string[];
}

/**
 * Receives every payment notice of one order, in arrival order, exactly once per event id.
 * The first matching success pays the order while it awaits payment; any other success (after a
 * cancel, a second payment, a wrong amount) is money we must give back, and is refunded at once.
 */
export class PaymentDesk {
  private readonly inbox: PaymentNotice[] = [];
  private readonly seenEvents = new Set<string>();
  private readonly settledPayments = new Set<string>();
  private busy = false;
  paymentId: string | undefined;
  /** The rail the paying payment came by: the one that refunds it. */
  paidVia: PaymentMethod | undefined;

  constructor(
    private readonly order: OrderRecord,
    resumed?: PaymentState,
  ) {
    if (!resumed) return;
    this.paymentId = resumed.paymentId;
    this.paidVia = resumed.paidVia;
    for (const id of resumed.seenEvents) this.seenEvents.add(id);
    for (const id of resumed.settledPayments) this.settledPayments.add(id);
  }

  /** What a new run of the order's workflow needs to keep every notice handled once (call when idle). */
  state(): PaymentState {
    return { paymentId: this.paymentId, paidVia: this.paidVia, seenEvents: [...this.seenEvents], settledPayments: [...this.settledPayments] };
  }

  /** The rail the order was created with, for its whole life. */
  get method(): PaymentMethod {
    return methodOf(this.order.input);
  }

  /**
   * Make the buyer's checkout at the order's rail, retried until the provider answers (the API
   * tried once at creation; a provider down then must not stop the order). Runs beside the main
   * flow; the order view shows it as soon as it exists.
   */
  async openCheckout(): Promise<void> {
    const { input, view } = this.order;
    view.payment = { method: this.method, checkout: null };
    const checkout = await checkouts.openCheckout({
      orderId: input.orderId,
      method: this.method,
      amount: input.amount,
      dueAt: input.paymentDueAt,
      sku: input.sku,
      quantity: input.quantity,
    });
    view.payment = { method: this.method, checkout };
  }

  /** A cancelled order's provider order is closed, so a late payment (and its refund) is rare. */
  async closeAtProvider(): Promise<void> {
    try {
      const closed = await closing.closeProviderOrder({ orderId: this.order.id, method: this.method });
      if (closed) this.order.note('provider_order_closed', `closed at ${this.method}`);
      else this.order.note('provider_order_expires', `${this.method} has no close; the order expires there at ${this.order.input.paymentDueAt}`);
    } catch {
      // The provider kept failing: its own expiry (paymentDueAt) ends it; a late payment is refunded.
      this.order.note('provider_order_close_failed', `${this.method} did not close the order; it expires at ${this.order.input.paymentDueAt}`);
    }
  }

  /** Reconciliation: what the order's own rail knows of its payments, taken as notices would be. */
  async reconcile(): Promise<void> {
    const orderId = this.order.id;
    const found = await provider.findProviderPayments({ orderId, ...(this.method !== 'generic' ? { method: this.method } : {}) });
    for (const p of found) {
      this.receive({ eventId: `reconciled:${p.paymentId}:${p.status}`, orderId, ...p, ...(this.method !== 'generic' ? { method: this.method } : {}) });
    }
  }

  receive(notice: PaymentNotice): void {
    if (this.seenEvents.has(notice.eventId)) return;
    this.seenEvents.add(notice.eventId);
    this.inbox.push(notice);
  }

  get paid(): boolean {
    return this.paymentId !== undefined;
  }

  get idle(): boolean {
    return this.inbox.length === 0 && !this.busy;
  }

  /** Runs beside the order's main flow for the workflow's whole life. */
  async run(): Promise<never> {
    for (;;) {
      await condition(() => this.inbox.length > 0);
      this.busy = true;
      try {
        while (this.inbox.length > 0) await this.handle(this.inbox.shift() as PaymentNotice);
      } finally {
        this.busy = false;
      }
    }
  }

  /** Drain what has arrived; used before the order decides anything that depends on payment. */
  async settled(): Promise<void> {
    await condition(() => this.idle);
  }

  private async handle(notice: PaymentNotice): Promise<void> {
    const { order } = this;
    const { paymentId } = notice;
    if (notice.status === 'failed') {
      order.note('payment_failed', `payment ${paymentId}`);
      return;
    }
    if (paymentId === this.paymentId || this.settledPayments.has(paymentId)) {
      order.note('payment_duplicate_notice', `payment ${paymentId} was already handled`);
      return;
    }
    this.settledPayments.add(paymentId);
    if (!sameMoney(notice.amount, order.input.amount)) {
      order.note('payment_amount_mismatch', `payment ${paymentId} of ${formatMoney(notice.amount)}; the order costs ${formatMoney(order.input.amount)}`);
      await this.giveBack(notice, 'amount does not match the order');
      return;
    }
    if (order.status === 'AWAITING_PAYMENT' && !this.paid) {
      this.paymentId = paymentId;
      this.paidVia = notice.method;
      order.view.paidAt = new Date(Date.now()).toISOString();
      order.view.paymentId = paymentId;
      order.note('payment_received', `payment ${paymentId} of ${formatMoney(notice.amount)}`);
      return;
    }
    const why = order.status === 'CANCELLED' ? 'paid after the order was cancelled' : 'a second payment for an order already paid';
    order.note('payment_unexpected', `payment ${paymentId}: ${why}`);
    await this.giveBack(notice, why);
  }

  private async giveBack(notice: PaymentNotice, reason: string): Promise<void> {
    const refundId = refundIdFor(this.order.id, notice.paymentId);
    await payOut(this.order, { refundId, orderId: this.order.id, paymentId: notice.paymentId, amount: notice.amount, reason, ...viaRail(notice.method) });
    this.order.note('payment_refunded', `payment ${notice.paymentId} refunded as ${refundId}: ${reason}`);
    await this.order.notify('payment.refunded');
  }
}
