import { Router, type Request } from 'express';
import { isDuplicateKeyError } from '../../db/store';
import { verifySignature } from '../../security/signature';
import { handle, type ApiDeps } from '../deps';
import { unauthenticated } from '../errors';
import { PaymentNotice } from '../schemas';
import { parse } from '../validate';

export interface RawBodyRequest extends Request {
  rawBody?: Buffer;
}

/**
 * The payment provider's webhook. Only a correctly signed notice is recorded; every well-formed
 * signed notice answers 200, also a duplicate or a late one, so the provider stops retrying.
 */
export function paymentRoutes({ config, store, orders, logger }: ApiDeps): Router {
  const router = Router();
  router.post(
    '/v1/payments/notify',
    handle(async (req, res) => {
      const raw = (req as RawBodyRequest).rawBody ?? Buffer.alloc(0);
      if (!verifySignature(raw, req.header('x-signature'), config.paymentWebhookSecret)) {
        throw unauthenticated('the X-Signature header is missing or does not match the body');
      }
      const notice = parse(PaymentNotice, req.body, 'body');
      try {
        await store.paymentEvents.create({ _id: notice.eventId, ...notice, receivedAt: new Date() });
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
      const outcome = await orders.notifyPayment(notice);
      logger.info({ orderId: notice.orderId, eventId: notice.eventId, paymentStatus: notice.status, outcome }, 'payment notice');
      res.json({ received: true });
    }),
  );
  return router;
}
