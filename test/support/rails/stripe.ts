import Stripe from 'stripe';
import type { Money } from '../../../domain/money';
import type { Recorded, Reply } from '../fakeServer';
import type { Answer } from '../http';
import { ProviderStandIn, randomId, type NoticeOptions, type SignedNotice } from './standIn';

interface Intent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  status: string;
  client_secret: string;
  metadata: Record<string, string>;
  latest_charge?: string | { id: string; object: 'charge'; created: number };
}

/**
 * Stripe's API as its SDK speaks it (form-encoded requests, Bearer key, Idempotency-Key honoured for
 * a day) for PaymentIntents and refunds, and its webhook events signed `t=…,v1=…`.
 */
export class StripeStandIn extends ProviderStandIn {
  readonly method = 'stripe' as const;
  readonly refusedStatus = 400;
  readonly secretKey = `sk_test_${randomId('', 16)}`;
  readonly webhookSecret = `whsec_${randomId('', 16)}`;
  readonly intents = new Map<string, Intent>();
  /** PaymentIntents whose charge is disputed: Stripe refuses to refund them. */
  readonly disputed = new Set<string>();
  private readonly idempotent = new Map<string, Reply>();
  private readonly signer = new Stripe('sk_test_signer_only');

  env(): Record<string, string> {
    return { STRIPE_SECRET_KEY: this.secretKey, STRIPE_WEBHOOK_SECRET: this.webhookSecret, STRIPE_API_BASE: this.url };
  }

  secrets(): string[] {
    return [this.secretKey, this.webhookSecret];
  }

  protected newPaymentId(): string {
    return randomId('pi_', 12);
  }

  protected route(req: Recorded): Reply {
    if (req.headers.authorization !== `Bearer ${this.secretKey}`) return { status: 401, body: { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } } };
    const form = Object.fromEntries(new URLSearchParams(req.raw));
    const key = String(req.headers['idempotency-key'] ?? '');
    const byId = /^\/v1\/payment_intents\/([^/]+)$/.exec(req.path);
    if (req.method === 'POST' && req.path === '/v1/payment_intents') {
      if (key && this.idempotent.has(key)) return this.idempotent.get(key) as Reply;
      const intent = this.open(form['metadata[orderId]'], { amount: Number(form.amount), currency: String(form.currency).toUpperCase() });
      const reply = { status: 200, body: intent };
      if (key) this.idempotent.set(key, reply);
      return reply;
    }
    const cancel = /^\/v1\/payment_intents\/([^/]+)\/cancel$/.exec(req.path);
    if (req.method === 'POST' && cancel) {
      const intent = this.intents.get(cancel[1]);
      if (!intent) return { status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing' } } };
      if (this.trades.get(intent.metadata.orderId)?.paid) return { status: 400, body: { error: { type: 'invalid_request_error', code: 'payment_intent_unexpected_state' } } };
      intent.status = 'canceled';
      this.closed.add(intent.metadata.orderId);
      return { status: 200, body: intent };
    }
    if (req.method === 'GET' && byId) {
      const intent = this.intents.get(byId[1]);
      this.lookups.push(intent?.metadata.orderId ?? byId[1]);
      return intent ? { status: 200, body: this.current(intent, [...req.query].some(([k, v]) => k.startsWith('expand') && v === 'latest_charge')) } : { status: 404, body: { error: { type: 'invalid_request_error', code: 'resource_missing' } } };
    }
    if (req.method === 'POST' && req.path === '/v1/refunds') {
      const intent = this.intents.get(form.payment_intent);
      const trade = intent ? this.trades.get(intent.metadata.orderId) : undefined;
      if (key && this.idempotent.has(key)) {
        this.refundCall(key, trade?.orderId ?? '', form.payment_intent, Number(form.amount));
        return this.idempotent.get(key) as Reply;
      }
      if (trade?.refunded) return { status: 400, body: { error: { type: 'invalid_request_error', code: 'charge_already_refunded' } } };
      if (this.disputed.has(form.payment_intent)) return { status: 400, body: { error: { type: 'invalid_request_error', code: 'charge_disputed', message: 'Charge ch_… has been charged back; cannot issue a refund.' } } };
      const call = this.refundCall(key, trade?.orderId ?? '', form.payment_intent, Number(form.amount));
      if (call.answer === 'failed') return { status: 500, body: { error: { type: 'api_error', message: 'try again' } } };
      if (call.answer === 'refused') return { status: 400, body: { error: { type: 'invalid_request_error', code: 'balance_insufficient', message: 'Insufficient funds in Stripe account' } } };
      const reply = { status: 200, body: { id: randomId('re_', 12), object: 'refund', amount: Number(form.amount), payment_intent: form.payment_intent, status: 'succeeded' } };
      if (key) this.idempotent.set(key, reply);
      return reply;
    }
    return { status: 404, body: { error: { type: 'invalid_request_error', message: 'Unrecognized request URL' } } };
  }

  private open(orderId: string, amount: Money): Intent {
    const trade = this.trade(orderId, amount);
    const intent: Intent = {
      id: trade.paymentId, object: 'payment_intent', amount: amount.amount, amount_received: 0, currency: amount.currency.toLowerCase(),
      status: 'requires_payment_method', client_secret: `${trade.paymentId}_secret_${randomId('', 8)}`, metadata: { orderId },
    };
    this.intents.set(intent.id, intent);
    return intent;
  }

  private current(intent: Intent, expandCharge = false): Intent {
    const trade = this.trades.get(intent.metadata.orderId);
    if (!trade?.paid) return intent;
    const charge = `ch_${intent.id.slice(3)}`;
    const latest_charge = expandCharge && trade.paidAt ? { id: charge, object: 'charge' as const, created: Date.parse(trade.paidAt) / 1000 } : charge;
    return { ...intent, status: 'succeeded', amount_received: trade.amount.amount, latest_charge };
  }

  /**
   * An event as Stripe signs it; `account` marks one from a connected account (Connect), `livemode`
   * one of live mode (this shop's key is a test key).
   */
  event(type: string, object: unknown, options: NoticeOptions = {}, account?: string, livemode = false): SignedNotice {
    const payload = JSON.stringify({ id: randomId('evt_', 12), object: 'event', ...(account ? { account } : {}), api_version: '2025-01-27', created: Math.floor(Date.now() / 1000), livemode, type, data: { object } });
    const header = this.signer.webhooks.generateTestHeaderString({
      payload,
      secret: options.forged ? 'whsec_someone_else' : this.webhookSecret,
      timestamp: Math.floor(Date.now() / 1000) - (options.agedSeconds ?? 0),
    });
    return { path: '/v1/payments/stripe/webhook', method: 'POST', body: payload, headers: { 'content-type': 'application/json', 'stripe-signature': header } };
  }

  paidNotice(orderId: string, options: NoticeOptions, amount: Money): SignedNotice {
    const trade = this.trade(orderId, amount);
    trade.paid = true;
    const intent = this.intents.get(trade.paymentId) ?? this.open(orderId, trade.amount);
    return this.event('payment_intent.succeeded', { ...this.current(intent), amount_received: options.amount ?? trade.amount.amount }, options, options.otherMerchant ? 'acct_someone_else' : undefined);
  }

  /**
   * A dispute on the order's payment as Stripe's `charge.dispute.*` events carry it: it names the
   * PaymentIntent (and charge), never the order.
   */
  disputeEvent(
    type: 'charge.dispute.created' | 'charge.dispute.updated' | 'charge.dispute.closed',
    orderId: string,
    dispute: { id: string; status: string; reason?: string; dueBy?: Date | null },
    options: NoticeOptions & { account?: string; livemode?: boolean } = {},
  ): SignedNotice {
    const trade = this.trade(orderId);
    const object = {
      id: dispute.id,
      object: 'dispute',
      amount: trade.amount.amount,
      currency: trade.amount.currency.toLowerCase(),
      charge: `ch_${trade.paymentId.slice(3)}`,
      payment_intent: trade.paymentId,
      reason: dispute.reason ?? 'fraudulent',
      status: dispute.status,
      is_charge_refundable: false,
      livemode: options.livemode ?? false,
      created: Math.floor(Date.now() / 1000),
      evidence_details: { due_by: dispute.dueBy ? Math.floor(dispute.dueBy.getTime() / 1000) : null, has_evidence: false, past_due: false, submission_count: 0 },
      metadata: {},
    };
    return this.event(type, object, options, options.account, options.livemode ?? false);
  }

  tamper(notice: SignedNotice): SignedNotice {
    return { ...notice, body: notice.body.replace(/"amount_received":\d+/, '"amount_received":1') };
  }

  acknowledged(answer: Answer): boolean {
    return answer.status === 200 && answer.body?.received === true;
  }

  checkoutFits(checkout: Record<string, string>, order: { orderId: string; amount: Money }): void {
    const intent = this.intents.get(checkout.paymentIntentId);
    expect(intent).toMatchObject({ amount: order.amount.amount, currency: order.amount.currency.toLowerCase(), metadata: { orderId: order.orderId } });
    expect(checkout.clientSecret).toBe(intent?.client_secret);
  }
}
