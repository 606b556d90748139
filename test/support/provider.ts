import type { FoundPayment } from '../../activities/payments';
import type { Money } from '../../domain/money';
import { FakeServer, type Recorded, type Reply } from './fakeServer';

export interface RefundCall {
  idempotencyKey: string;
  body: { refundId: string; orderId: string; paymentId: string; amount: Money };
  answer: 'failed' | 'paid' | 'replayed' | 'refused';
}

/**
 * A payment provider as a real HTTP server, for PAYMENT_PROVIDER=http:
 * - `POST /refunds` pays out once per Idempotency-Key and answers a repeated key with the first
 *   result (as real providers do), after failing the first `failFirst` calls of each key with 500;
 * - `GET /payments?orderId=` answers what `payments` holds for the order, after failing
 *   `lookupFailures` lookups with 500.
 */
export class FakeProvider {
  readonly server: FakeServer;
  failFirst = 0;
  lookupFailures = 0;
  /** While true, every refund is refused with a 400, as a provider does for a disputed payment. */
  refuseRefunds = false;
  /** While true, the provider is down: every call answers 503 (a refund attempted then is recorded as failed). */
  down = false;
  readonly payments = new Map<string, FoundPayment[]>();
  readonly refundCalls: RefundCall[] = [];
  readonly lookups: string[] = [];

  constructor() {
    this.server = new FakeServer((req) => this.route(req));
  }

  async start(): Promise<this> {
    await this.server.start();
    return this;
  }

  get url(): string {
    return this.server.url;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** Every refund the provider paid out (one per refund id, whatever was retried or replayed). */
  payouts(orderId?: string): RefundCall['body'][] {
    return this.refundCalls.filter((c) => c.answer === 'paid' && (!orderId || c.body.orderId === orderId)).map((c) => c.body);
  }

  /** Refund ids the provider answered with success more than once: sent again after it was paid. */
  honouredTwice(): string[] {
    const ok = this.refundCalls.filter((c) => c.answer === 'paid' || c.answer === 'replayed').map((c) => c.idempotencyKey);
    return [...new Set(ok.filter((k, i) => ok.indexOf(k) !== i))];
  }

  private route(req: Recorded): Reply {
    if (this.down) {
      if (req.path === '/refunds') this.refundCalls.push({ idempotencyKey: String(req.headers['idempotency-key'] ?? ''), body: req.body, answer: 'failed' });
      return { status: 503, body: { error: 'down for maintenance' } };
    }
    if (req.method === 'POST' && req.path === '/refunds') {
      const key = String(req.headers['idempotency-key'] ?? '');
      const earlier = this.refundCalls.filter((c) => c.idempotencyKey === key);
      const call: RefundCall = { idempotencyKey: key, body: req.body, answer: 'paid' };
      if (this.refuseRefunds) {
        call.answer = 'refused';
        this.refundCalls.push(call);
        return { status: 400, body: { error: 'the payment is under dispute' } };
      }
      if (earlier.length < this.failFirst) call.answer = 'failed';
      else if (earlier.some((c) => c.answer === 'paid' || c.answer === 'replayed')) call.answer = 'replayed';
      this.refundCalls.push(call);
      return call.answer === 'failed' ? { status: 500, body: { error: 'try again' } } : { status: 200, body: { refundId: key } };
    }
    if (req.method === 'GET' && req.path === '/payments') {
      const orderId = req.query.get('orderId') ?? '';
      this.lookups.push(orderId);
      if (this.lookupFailures > 0) {
        this.lookupFailures -= 1;
        return { status: 500, body: { error: 'try again' } };
      }
      return { status: 200, body: { payments: this.payments.get(orderId) ?? [] } };
    }
    return { status: 404, body: { error: 'no such route' } };
  }
}
