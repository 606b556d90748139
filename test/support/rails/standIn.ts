import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Money } from '../../../domain/money';
import type { PaymentMethod } from '../../../domain/payment';
import { FakeServer, type Recorded, type Reply } from '../fakeServer';
import type { Answer, ApiClient } from '../http';

/** A key pair made for this test run, as PEM text (what the product's settings take). */
export function rsaKeys(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

export const randomId = (prefix: string, bytes = 8) => `${prefix}${randomBytes(bytes).toString('hex')}`;

/** One trade as the provider keeps it: the merchant's order, and whether and how it was paid. */
export interface Trade {
  orderId: string;
  paymentId: string;
  amount: Money;
  paid: boolean;
  /** When the buyer paid (whole seconds, as providers tell it), which its query answers. */
  paidAt?: string;
  refunded: boolean;
}

export interface RefundCall {
  key: string;
  orderId: string;
  paymentId: string;
  amount: number;
  answer: 'failed' | 'refused' | 'paid' | 'replayed';
}

/** A notice as the provider sends it: the exact bytes, headers and where. */
export interface SignedNotice {
  path: string;
  method: 'GET' | 'POST';
  body: string;
  headers: Record<string, string>;
}

export interface NoticeOptions {
  /** Paid a different amount than the order's (in minor units). */
  amount?: number;
  /** Sent for another merchant (app_id, mchid, pid), properly signed. */
  otherMerchant?: boolean;
  /** Signed with a key that is not the provider's. */
  forged?: boolean;
  /** A WeChat Pay / Stripe timestamp this many seconds in the past. */
  agedSeconds?: number;
}

/**
 * What every provider stand-in does, so the same end-to-end suite runs over each rail: a real HTTP
 * server keeping trades and a refund ledger, failing on demand, and signing notices its way.
 */
export abstract class ProviderStandIn {
  abstract readonly method: Exclude<PaymentMethod, 'generic'>;
  readonly server: FakeServer;
  readonly trades = new Map<string, Trade>();
  readonly refundCalls: RefundCall[] = [];
  readonly lookups: string[] = [];
  /** Orders the merchant closed (cancelled before payment). */
  readonly closed = new Set<string>();
  /** Every call fails (a provider outage) while this is set. */
  down = false;
  /** The first N refund calls of each refund key fail. */
  failRefunds = 0;
  /** Refund calls are refused for good (the provider's own way of saying no that asking again cannot change) while this is set. */
  refuseRefunds = false;

  constructor() {
    this.server = new FakeServer((req) => (this.down ? { status: 503, body: { error: 'unavailable' } } : this.route(req)));
  }

  async start(): Promise<this> {
    await this.server.start();
    return this;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  get url(): string {
    return this.server.url;
  }

  /** The product's settings pointing this rail at the stand-in. */
  abstract env(): Record<string, string>;
  /** Every secret of the rail's settings: none may appear in logs, history or answers. */
  abstract secrets(): string[];
  protected abstract route(req: Recorded): Reply | Promise<Reply>;
  /** The buyer pays: the provider marks the trade paid and makes the notice it would send. */
  abstract paidNotice(orderId: string, options: NoticeOptions, amount: Money): SignedNotice;
  /** The same notice with a paid field changed after it was signed. */
  abstract tamper(notice: SignedNotice): SignedNotice;
  /** Is this the answer that makes the provider stop retrying? */
  abstract acknowledged(answer: Answer): boolean;
  /** What a refused notice answers (status). */
  abstract readonly refusedStatus: number;
  /** The checkout the storefront got is this provider's, for this order. */
  abstract checkoutFits(checkout: Record<string, string>, order: { orderId: string; amount: Money }): void;

  /** The trade the merchant opened at checkout, or one the stand-in opens (for rails whose checkout is signed locally). */
  trade(orderId: string, amount?: Money): Trade {
    let trade = this.trades.get(orderId);
    if (!trade) {
      if (!amount) throw new Error(`${this.method} stand-in has no trade for ${orderId}`);
      trade = { orderId, paymentId: this.newPaymentId(), amount, paid: false, refunded: false };
      this.trades.set(orderId, trade);
    }
    return trade;
  }

  /** The buyer paid, but the notice is lost: only reconciliation can find it. */
  markPaid(orderId: string, amount: Money): Trade {
    const trade = this.trade(orderId, amount);
    trade.paid = true;
    trade.paidAt = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    return trade;
  }

  protected abstract newPaymentId(): string;

  send(api: ApiClient, notice: SignedNotice): Promise<Answer> {
    return api.send(notice.method, notice.path, notice.method === 'GET' ? undefined : notice.body, notice.headers);
  }

  /** Refunds the provider paid out (one per key, however often retried). */
  payouts(orderId?: string): RefundCall[] {
    return this.refundCalls.filter((c) => c.answer === 'paid' && (!orderId || c.orderId === orderId));
  }

  /** Record a refund call: refused while `refuseRefunds`, failing the first `failRefunds` of a key, paying once, replaying after. */
  protected refundCall(key: string, orderId: string, paymentId: string, amount: number): RefundCall {
    const earlier = this.refundCalls.filter((c) => c.key === key);
    const call: RefundCall = { key, orderId, paymentId, amount, answer: 'paid' };
    if (this.refuseRefunds) call.answer = 'refused';
    else if (earlier.length < this.failRefunds) call.answer = 'failed';
    else if (earlier.some((c) => c.answer === 'paid' || c.answer === 'replayed')) call.answer = 'replayed';
    this.refundCalls.push(call);
    if (call.answer === 'paid') {
      const trade = this.trades.get(orderId);
      if (trade) trade.refunded = true;
    }
    return call;
  }
}
