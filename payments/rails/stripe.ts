import type Stripe from 'stripe';
import type { Config } from '../../config';
import type { RailsConfig } from '../../config/rails';
import { stripeOutcome, type DisputeFacts, type DisputeNotice } from '../../domain/dispute';
import { isRefusal } from '../../activities/http';
import { unixPaidAt } from './clock';
import { providerFailed, providerRefused, type NoticeOutcome, type ProviderRail } from './rail';

type StripeSettings = NonNullable<RailsConfig['stripe']>;

/** Stripe's own default: a signed event older than this is refused (a replay). */
const WEBHOOK_TOLERANCE_S = 300;

/** A dispute's life on Stripe: opened, changed (evidence submitted, under review), and closed won or lost. */
const DISPUTE_EVENTS: ReadonlySet<string> = new Set(['charge.dispute.created', 'charge.dispute.updated', 'charge.dispute.closed']);

/**
 * Stripe through its SDK: a PaymentIntent per order (created under an idempotency key, its id kept
 * for reconciliation: the list cannot filter by metadata and search lags), refunds under our
 * refund id, events verified by Stripe-Signature over the raw body.
 */
export function stripeRail(
  settings: StripeSettings,
  config: Config,
): ProviderRail & { client: Stripe; constructEvent(raw: Buffer, signature: string | undefined): Stripe.Event | undefined; readDispute(notice: DisputeNotice): Promise<DisputeFacts> } {
  const base = settings.apiBase;
  const live = /^(sk|rk)_live_/.test(settings.secretKey);
  const client = new (loadStripe())(settings.secretKey, {
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
        // A charge under dispute cannot be refunded: the bank decides. Asking every few minutes changes
        // nothing, so the order shows it to ops (asked again hourly) until the dispute's outcome settles it.
        if ((err as { code?: string }).code === 'charge_disputed') throw providerRefused(`stripe refund ${refundId} refused: the charge is disputed`);
        const said = `stripe refund ${refundId} failed: ${why(err)}`;
        // An invalid request, a key without the right, a balance too low: asking again changes nothing.
        const status = (err as { statusCode?: number }).statusCode;
        if (status !== undefined && isRefusal(status)) throw providerRefused(said);
        throw providerFailed('ProviderRefundFailed', said);
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
        // Its charge says when the buyer paid (the intent's own `created` is when checkout began).
        intent = await client.paymentIntents.retrieve(providerRef, { expand: ['latest_charge'] });
      } catch (err) {
        throw providerFailed('ProviderLookupFailed', `stripe PaymentIntent ${providerRef} lookup failed: ${why(err)}`);
      }
      if (intent.status !== 'succeeded') return [];
      const charge = intent.latest_charge;
      const paidAt = typeof charge === 'object' && charge ? unixPaidAt(charge.created) : undefined;
      return [{ paymentId: intent.id, status: 'succeeded', amount: { amount: intent.amount_received, currency: intent.currency.toUpperCase() }, ...(paidAt ? { paidAt } : {}) }];
    },

    verifyNotice({ raw, header }): NoticeOutcome {
      const event = constructEvent(raw, header('stripe-signature'));
      if (!event) return { kind: 'refused', why: 'Stripe-Signature does not verify, or is older than 300 s' };
      // A connected account's event, or one of the other mode (test vs live), is not this shop's money:
      // Stripe signs them with the same endpoint secret when the endpoint listens to connected accounts.
      if (event.account) return { kind: 'refused', why: `event ${event.id} is for the connected account ${event.account}, not this shop's own account`, wrongMerchant: { field: 'account' } };
      if (event.livemode !== live) {
        const [sent, ours] = event.livemode ? ['live', 'test'] : ['test', 'live'];
        return { kind: 'refused', why: `event ${event.id} is a ${sent}-mode event; this shop runs Stripe in ${ours} mode`, wrongMerchant: { field: 'livemode' } };
      }
      if (DISPUTE_EVENTS.has(event.type)) return disputeOf(event);
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

    /** A dispute names the PaymentIntent, not the order: the order is the PaymentIntent's metadata. */
    async readDispute(notice) {
      const dispute = notice.stripe;
      if (!dispute) throw new Error(`dispute ${notice.externalId} came without Stripe's dispute`);
      let orderId: string | null = null;
      if (dispute.paymentIntentId) {
        try {
          orderId = (await client.paymentIntents.retrieve(dispute.paymentIntentId)).metadata?.orderId ?? null;
        } catch (err) {
          if ((err as { code?: string }).code !== 'resource_missing') throw providerFailed('ProviderDisputeLookupFailed', `stripe PaymentIntent ${dispute.paymentIntentId} of dispute ${notice.externalId} lookup failed: ${why(err)}`);
        }
      }
      const outcome = stripeOutcome(dispute.status);
      return {
        orderId,
        reason: dispute.reason,
        status: dispute.status,
        ...(outcome ? { outcome } : {}),
        ...(dispute.dueBy ? { dueBy: new Date(dispute.dueBy * 1000).toISOString() } : {}),
        category: 'payment_issue',
      };
    },

    reply(outcome) {
      if (outcome.kind !== 'refused') return { status: 200, json: { received: true } };
      if (outcome.wrongMerchant) {
        const { field } = outcome.wrongMerchant;
        return { status: 400, json: { error: { code: 'wrong_merchant', message: outcome.why, details: [{ path: field, reason: outcome.why }] } } };
      }
      return { status: 400, json: { error: { code: 'invalid_signature', message: outcome.why } } };
    },
  };
}

/** A dispute event as the dispute's workflow takes it: what Stripe says of the dispute, nothing else. */
function disputeOf(event: Stripe.Event): NoticeOutcome {
  const d = event.data.object as Stripe.Dispute;
  const intent = typeof d.payment_intent === 'string' ? d.payment_intent : (d.payment_intent?.id ?? null);
  return {
    kind: 'dispute',
    dispute: {
      eventId: `stripe:${event.id}`,
      source: 'stripe_dispute',
      externalId: d.id,
      action: event.type,
      stripe: { paymentIntentId: intent, reason: d.reason, status: d.status, amount: d.amount, currency: d.currency.toUpperCase(), dueBy: d.evidence_details?.due_by ?? null },
    },
  };
}

/**
 * Stripe's SDK, loaded when the rail is turned on rather than when this module is: a process of a
 * shop without Stripe would otherwise carry its ~3 MB of heap (and ~15 MB resident) for nothing.
 */
function loadStripe(): typeof Stripe {
  return require('stripe') as typeof Stripe;
}
