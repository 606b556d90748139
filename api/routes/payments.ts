import express, { Router, type Request, type RequestHandler } from 'express';
import { noticeMayReach } from '../../db/merchantSettings';
import { isDuplicateKeyError } from '../../db/store';
import { DEFAULT_MERCHANT, MERCHANT_ID } from '../../domain/merchant';
import { noticeSecretOf } from '../../domain/merchantSettings';
import { checkSignature, SIGNATURE_REFUSALS } from '../../security/signature';
import { checkStandardSignature, presentsStandardSignature, STANDARD_REFUSALS } from '../../security/standardWebhooks';
import { handle, type ApiDeps } from '../deps';
import type { Metrics } from '../metrics';
import { badRequest, unauthenticated } from '../errors';
import { PaymentNotice } from '../schemas';
import { parse } from '../validate';

/**
 * The payment provider's webhook. The signature is checked over the raw bytes before anything is
 * parsed, so an unsigned request learns nothing about what we accept. Only a correctly signed notice
 * is recorded; every well-formed signed notice answers 200, also a duplicate or a late one, so the
 * provider stops retrying. `limit` is the anonymous rate limit: signed notices pass it, the rest
 * count against their address.
 */
export function paymentRoutes({ config, store, orders, logger, merchantRails }: ApiDeps, limit: RequestHandler, metrics: Metrics): Router {
  const router = Router();
  // The settings every notice route and provider call reads, kept once per process (db/merchantSettings.ts).
  const { settings } = merchantRails;
  // The first shop's notices keep their address; every merchant's (the first shop's too) have their own.
  for (const path of ['/v1/payments/notify', '/v1/payments/notify/:merchantId']) {
    router.post(
      path,
      express.raw({ type: () => true, limit: '64kb' }),
      (req, res, next) => {
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const merchantId = (req.params.merchantId as string | undefined) ?? DEFAULT_MERCHANT;
        secretOf(merchantId)
          .then((secret) => {
            res.locals.noticeMerchant = merchantId;
            res.locals.signatureRefusal = secret === undefined ? NO_SECRET : signatureRefusal(raw, req, secret);
            res.locals.signedByProvider = res.locals.signatureRefusal === undefined;
            next();
          })
          .catch(next);
      },
      limit,
      handle(async (req, res) => {
        const refusal = res.locals.signatureRefusal as string | undefined;
        if (refusal !== undefined) {
          metrics.countNotice('generic', 'refused');
          throw unauthenticated(refusal);
        }
        const merchantId = res.locals.noticeMerchant as string;
        const notice = signedNotice(req.body as Buffer);
        if (!(await noticeMayReach(store, merchantId, notice.orderId))) {
          // Another merchant's order: answered as an order that is not there, and it is never touched.
          metrics.countNotice('generic', 'ignored');
          logger.warn({ merchantId, orderId: notice.orderId, eventId: notice.eventId }, "payment notice names another merchant's order; ignored");
          res.json({ received: true });
          return;
        }
        try {
          await store.paymentEvents.create({ _id: notice.eventId, ...notice, receivedAt: new Date() });
        } catch (err) {
          if (!isDuplicateKeyError(err)) throw err;
        }
        const outcome = await orders.notifyPayment(notice);
        metrics.countNotice('generic', outcome);
        logger.info({ merchantId, orderId: notice.orderId, eventId: notice.eventId, paymentStatus: notice.status, outcome }, 'payment notice');
        res.json({ received: true });
      }),
    );
  }
  return router;

  /** The merchant's own secret; the platform's only for the first shop; none for a merchant that set none (or a name that is no merchant). */
  async function secretOf(merchantId: string): Promise<string | undefined> {
    if (!MERCHANT_ID.test(merchantId)) return undefined;
    return noticeSecretOf(merchantId, await settings.of(merchantId), config.paymentWebhookSecret);
  }

  /**
   * Why the notice's signature does not hold, or undefined when it does. A sender that signs the
   * Standard Webhooks way (any `webhook-*` header) is judged by those headers alone: a stale or
   * wrong one is refused even beside an `X-Signature`. A replayed `webhook-id` within the window is
   * harmless: notices are deduplicated by their eventId.
   */
  function signatureRefusal(raw: Buffer, req: Request, secret: string): string | undefined {
    const standard = { id: req.header('webhook-id'), timestamp: req.header('webhook-timestamp'), signature: req.header('webhook-signature') };
    if (presentsStandardSignature(standard)) {
      const check = checkStandardSignature(raw, standard, secret);
      return check === 'ok' ? undefined : STANDARD_REFUSALS[check];
    }
    const check = checkSignature(raw, req.header('x-signature'), secret);
    return check === 'ok' ? undefined : SIGNATURE_REFUSALS[check];
  }

  /** The notice in a signed body; one that is not a notice is counted and answered 400. */
  function signedNotice(raw: Buffer) {
    try {
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw badRequest('the body is not valid JSON', [{ path: '(body)', reason: 'malformed JSON' }]);
      }
      return parse(PaymentNotice, body, 'body');
    } catch (err) {
      metrics.countNotice('generic', 'invalid');
      throw err;
    }
  }
}

/** Said alike whether the merchant does not exist or set no secret: a sender learns nothing of which. */
const NO_SECRET = 'this merchant takes no signed notices here: its paymentWebhookSecret is not set';
