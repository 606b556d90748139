import { merchantOr, stockId } from '../domain/merchant';
import { ApplicationFailure } from '@temporalio/activity';
import nodemailer from 'nodemailer';
import { addressOf } from '../config';
import { couponOf, grantedCoupon } from '../db/coupons';
import { complaintViewOf, type EmailSentDoc } from '../db/schemas';
import { isDuplicateKeyError } from '../db/store';
import {
  DEFAULT_BUYER_LOCALE,
  instructionsFor,
  messageIdOf,
  orderPageUrl,
  renderBuyerEmail,
  type BuyerEmailEvent,
  type BuyerLocale,
  type EmailFacts,
} from '../domain/buyerEmail';
import type { ActivityDeps } from './deps';

export type EmailOutcome = EmailSentDoc['state'] | 'already_sent' | 'not_configured';

/**
 * The buyer's emails. The workflows hand over ids only: the address is opened from order_access and
 * the codes from the key inventory here, at the moment of sending, so neither ever reaches a
 * workflow's history, a log or an error.
 */
export function emailActivities({ store, vault, config }: ActivityDeps) {
  const from = config.email.from;
  const fromAddress = addressOf(from) as string;
  let transport: ReturnType<typeof nodemailer.createTransport> | undefined;
  const mailer = (smtpUrl: string) =>
    (transport ??= nodemailer.createTransport({
      url: smtpUrl,
      connectionTimeout: config.outboundHttpTimeoutMs,
      greetingTimeout: config.outboundHttpTimeoutMs,
      socketTimeout: config.outboundHttpTimeoutMs,
    }));

  async function record(event: BuyerEmailEvent, state: EmailSentDoc['state'], messageId?: string): Promise<void> {
    const { eventId, orderId, kind, complaintId } = event;
    try {
      await store.emailsSent.create({ _id: eventId, orderId, kind, ...(complaintId ? { complaintId } : {}), ...(messageId ? { messageId } : {}), state, at: new Date() });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }

  /** What the email says, read as it stands now; undefined when there is nothing left to tell (the keys were taken back). */
  async function factsOf(event: BuyerEmailEvent, locale: BuyerLocale): Promise<EmailFacts | undefined> {
    const row = await store.orderViews.findById(event.orderId, { view: 1, merchantId: 1 }).lean();
    // The workflow projects the order before it hands over an email about it.
    if (!row) throw ApplicationFailure.retryable(`order ${event.orderId} is not in the read model yet`, 'OrderNotProjected');
    const { view } = row;
    const product = await store.products.findById(stockId(row.merchantId, view.sku), { name: 1, instructions: 1 }).lean();
    const facts: EmailFacts = {
      orderId: view.orderId,
      sku: view.sku,
      productName: product?.name ?? view.sku,
      quantity: view.quantity,
      link: orderPageUrl(config.rails.publicBaseUrl, view.orderId),
    };
    switch (event.kind) {
      case 'keys_delivered': {
        const held = await store.claims.find({ orderId: event.orderId, state: 'delivered' }, { _id: 1 }).sort({ slot: 1 }).lean();
        if (held.length === 0) return undefined;
        const keys = await store.keys.find({ _id: { $in: held.map((c) => c._id) } }, { code: 1 }).lean();
        const byId = new Map(keys.map((k) => [k._id, k]));
        const instructions = instructionsFor(product?.instructions, locale);
        return { ...facts, codes: held.map((c) => vault.open(byId.get(c._id)!.code)), ...(instructions ? { instructions } : {}) };
      }
      case 'refund_paid':
        return { ...facts, refund: view.amount };
      case 'coupon_granted': {
        const coupon = event.grantKey ? await grantedCoupon(store, merchantOr(row.merchantId), event.grantKey) : null;
        // The grant is made before its email is handed over: none is an event that cannot be written.
        if (!coupon) throw ApplicationFailure.nonRetryable(`a coupon_granted email names no granted coupon`, 'BadEmailEvent');
        const { code, amountOff, percentOff, minSpend, validUntil } = couponOf(coupon);
        return { ...facts, coupon: { code, ...(amountOff ? { amountOff } : {}), ...(percentOff !== undefined ? { percentOff } : {}), ...(minSpend ? { minSpend } : {}), ...(validUntil ? { validUntil } : {}) } };
      }
      default: {
        if (!event.complaintId) throw ApplicationFailure.nonRetryable(`a ${event.kind} email names no complaint`, 'BadEmailEvent');
        const complaintRow = await store.complaintViews.findById(event.complaintId, { view: 1 }).lean();
        if (!complaintRow) throw ApplicationFailure.retryable(`complaint ${event.complaintId} is not in the read model yet`, 'ComplaintNotProjected');
        const complaint = complaintViewOf(complaintRow);
        const said = event.messageIndex === undefined ? undefined : complaint.messages[event.messageIndex];
        return {
          ...facts,
          complaint: {
            complaintId: complaint.complaintId,
            category: complaint.category,
            ...(complaint.resolution ? { resolution: complaint.resolution } : {}),
            ...(said && said.from !== 'buyer' ? { said: said.text } : {}),
          },
        };
      }
    }
  }

  return {
    /**
     * Email the buyer about one event, once: a record in emails_sent keyed by the event id stops a
     * retried step or send from sending it again, and the Message-ID (from the event id) lets mail
     * servers keep one copy of a message sent twice in the moment before it was recorded. A mail
     * server that is down fails the attempt, which the email's workflow retries with backoff.
     */
    async sendBuyerEmail(event: BuyerEmailEvent): Promise<{ outcome: EmailOutcome }> {
      if (await store.emailsSent.exists({ _id: event.eventId })) return { outcome: 'already_sent' };
      const smtpUrl = config.email.smtpUrl;
      if (!smtpUrl) return { outcome: 'not_configured' };
      const access = await store.orderAccess.findById(event.orderId, { email: 1, locale: 1 }).lean();
      if (!access) throw ApplicationFailure.nonRetryable(`order ${event.orderId} has no buyer on record`, 'UnknownOrder');
      const locale = access.locale ?? DEFAULT_BUYER_LOCALE;
      const facts = await factsOf(event, locale);
      if (!facts) {
        await record(event, 'skipped');
        return { outcome: 'skipped' };
      }
      const content = renderBuyerEmail(event.kind, locale, facts);
      const messageId = messageIdOf(event.eventId, fromAddress);
      try {
        await mailer(smtpUrl).sendMail({ from, to: vault.open(access.email), messageId, ...content });
      } catch (err) {
        const e = err as { code?: string; responseCode?: number; name?: string };
        // Only the kind of failure travels: the server's own words may quote the address.
        const why = `${e.code ?? e.name ?? 'error'}${e.responseCode ? ` ${e.responseCode}` : ''}`;
        if (e.responseCode !== undefined && e.responseCode >= 500) {
          // The server refuses this email for good (no such mailbox, say): asking again changes nothing.
          await record(event, 'refused');
          return { outcome: 'refused' };
        }
        throw ApplicationFailure.retryable(`the mail server did not take the email (${why})`, 'MailUnavailable');
      }
      await record(event, 'sent', messageId);
      return { outcome: 'sent' };
    },

    /** The mail server took nothing for the whole give-up time: the email is dropped, and kept as `expired`. */
    async expireBuyerEmail(event: BuyerEmailEvent): Promise<void> {
      await record(event, 'expired');
    },
  };
}
