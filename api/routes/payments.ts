import express, { Router, type RequestHandler } from 'express';
import { isDuplicateKeyError } from '../../db/store';
import { checkSignature, SIGNATURE_REFUSALS, type SignatureCheck } from '../../security/signature';
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
export function paymentRoutes({ config, store, orders, logger }: ApiDeps, limit: RequestHandler, metrics: Metrics): Router {
  const router = Router();
  router.post(
    '/v1/payments/notify',
    express.raw({ type: () => true, limit: '64kb' }),
    (req, res, next) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      res.locals.signature = checkSignature(raw, req.header('x-signature'), config.paymentWebhookSecret);
      res.locals.signedByProvider = res.locals.signature === 'ok';
      next();
    },
    limit,
    handle(async (req, res) => {
      const signature = res.locals.signature as SignatureCheck;
      if (signature !== 'ok') {
        metrics.countNotice('generic', 'refused');
        throw unauthenticated(SIGNATURE_REFUSALS[signature]);
      }
      const notice = signedNotice(req.body as Buffer);
      try {
        await store.paymentEvents.create({ _id: notice.eventId, ...notice, receivedAt: new Date() });
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
      const outcome = await orders.notifyPayment(notice);
      metrics.countNotice('generic', outcome);
      logger.info({ orderId: notice.orderId, eventId: notice.eventId, paymentStatus: notice.status, outcome }, 'payment notice');
      res.json({ received: true });
    }),
  );
  return router;

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
