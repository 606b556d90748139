import Stripe from 'stripe';
import type { Config } from '../../config';
import type { RailsConfig } from '../../config/rails';
import { providerFailed, type NoticeOutcome, type ProviderRail } from './rail';

type StripeSettings = NonNullable<RailsConfig['stripe']>;

/** Stripe's own default: a signed event older than this is refused (a replay). */
const WEBHOOK_TOLERANCE_S = 300;

/**
 * Stripe through its SDK: a PaymentIntent per order (created under an idempotency key, its id kept
 * for reconciliation: the list cannot filter by metadata and search lags), refunds under our
 * refund id, events verified by Stripe-Signature over the raw body.
 */
export function stripeRail(settings: StripeSettings, config: Config): ProviderRail & { client: Stripe; constructEvent(raw: Buffer, signature: string | undefined): Stripe.Event | undefined } {
  const base = settings.apiBase;
  const live = /^(sk|rk)_live_/.test(settings.secretKey);
  const client = new Stripe(settings.secretKey, {
    maxNetworkRetries: 0, // the workflow's retry policy is the one that backs off
    timeout: config.outboundHttpTimeoutMs,
    ...(base ? { host: base.hostname, port: base.port || (base.protocol === 'https:' ? 443 : 80), protocol: base.protocol.replace(':', '') as 'http' | 'https' } : {}),
  });

  /** What failed, never the SDK's message (it can quote the request). */
  const why = (err: unknown) => {
    const e = err as { type?: string; code?: string; statusCode?: number };
    return [e.type, e.code, e.statusCode].filter(Boolean).join(' ') || (err as Error).name;
  };

  function constructEvent(raw: Buffer, signature: string | undefined): Stripe.Event | undefined {
    if (!signature) return undefined;
    try {
      return client.webhooks.constructEvent(raw, signature, settings.webhookSecret, WEBHOOK_TOLERANCE_S);
    } catch {
      return undefined;
    }
  }

  return {
    method: 'stripe',
    client,
    constructEvent,

    async checkout(order) {
      try {
        const intent = await client.paymentIntents.create(
          {
            amount: order.amount.amount,
            currency: order.amount.currency.toLowerCase(),
            description: order.subject,
            metadata: { orderId: order.orderId },
            automatic_payment_methods: { enabled: true },
          },
          { idempotencyKey: `checkout-${order.orderId}` },
        );
        if (!intent.client_secret) throw providerFailed('ProviderCheckoutFailed', `stripe PaymentIntent ${intent.id} came without a client secret`);
        return { checkout: { paymentIntentId: intent.id, clientSecret: intent.client_secret }, providerRef: intent.id };
      } catch (err) {
        throw providerFailed('ProviderCheckoutFailed', `stripe PaymentIntent for ${order.orderId} failed: ${why(err)}`);
      }
    },

    async refund({ refundId, paymentId, amount }) {
      try {
        await client.refunds.create({ payment_intent: paymentId, amount: amount.amount }, { idempotencyKey: refundId });
      } catch (err) {
        // Idempotency keys last about a day; a retry after that finds the charge already refunded.
        if ((err as { code?: string }).code === 'charge_already_refunded') return;
        throw providerFailed('ProviderRefundFailed', `stripe refund ${refundId} failed: ${why(err)}`);
      }
    },

    async close({ providerRef }) {
      if (!providerRef) return true; // no PaymentIntent was made: nothing can be paid
      try {
        await client.paymentIntents.cancel(providerRef);
        return true;
      } catch (err) {
        // Succeeded or canceled already: nothing left to close.
        if ((err as { code?: string }).code === 'payment_intent_unexpected_state') return true;
        throw providerFailed('ProviderCloseFailed', `stripe PaymentIntent ${providerRef} cancel failed: ${why(err)}`);
      }
    },

    async findPayments({ providerRef }) {
      if (!providerRef) return []; // no PaymentIntent was ever made: nothing can have been paid
      let intent: Stripe.PaymentIntent;
      try {
        intent = await client.paymentIntents.retrieve(providerRef);
      } catch (err) {
        throw providerFailed('ProviderLookupFailed', `stripe PaymentIntent ${providerRef} lookup failed: ${why(err)}`);
      }
      if (intent.status !== 'succeeded') return [];
      return [{ paymentId: intent.id, status: 'succeeded', amount: { amount: intent.amount_received, currency: intent.currency.toUpperCase() } }];
    },

    verifyNotice({ raw, header }): NoticeOutcome {
      const event = constructEvent(raw, header('stripe-signature'));
      if (!event) return { kind: 'refused', why: 'Stripe-Signature does not verify, or is older than 300 s' };
      // A connected account's event, or one of the other mode (test vs live), is not this shop's money.
      if (event.account || event.livemode !== live) return { kind: 'refused', why: `event ${event.id} is from ${event.account ?? (event.livemode ? 'live' : 'test')} mode or account, not this shop's` };
      if (event.type !== 'payment_intent.succeeded' && event.type !== 'payment_intent.payment_failed') return { kind: 'ignored', why: event.type };
      const intent = event.data.object as Stripe.PaymentIntent;
      const orderId = intent.metadata?.orderId;
      if (!orderId) return { kind: 'ignored', why: `PaymentIntent ${intent.id} names no order` };
      const succeeded = event.type === 'payment_intent.succeeded';
      return {
        kind: 'payment',
        notice: {
          eventId: `stripe:${event.id}`,
          orderId,
          paymentId: intent.id,
          status: succeeded ? 'succeeded' : 'failed',
          amount: { amount: succeeded ? intent.amount_received : intent.amount, currency: intent.currency.toUpperCase() },
          method: 'stripe',
        },
      };
    },

    reply(outcome) {
      return outcome.kind === 'refused' ? { status: 400, json: { error: { code: 'invalid_signature', message: outcome.why } } } : { status: 200, json: { received: true } };
    },
  };
}
