import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { PaymentMethod } from '../../domain/payment';
import type { NoticeOutcome, NoticeReply, NoticeRequest, ProviderRail } from '../../payments/rails';
import { handle, type ApiDeps } from '../deps';
import { DisputeGateway } from '../disputeGateway';
import { notFound } from '../errors';
import type { Metrics } from '../metrics';

type ProviderMethod = Exclude<PaymentMethod, 'generic'>;

/**
 * The providers' own notices. Each is verified over the raw bytes by its rail before anything is
 * read from it; an authentic payment becomes the same signal a generic notice sends (same duplicate,
 * late, second-payment and mismatch rules in the order), and the provider hears the answer it
 * expects so it stops retrying. An authentic dispute event (a Stripe chargeback, a WeChat Pay
 * complaint) goes to the dispute's workflow. A refused notice records nothing. `limit` is the
 * anonymous rate limit: authentic notices pass it, the rest count against their address.
 */
export function railRoutes({ rails, orders, client, config, logger }: ApiDeps, limit: RequestHandler, metrics: Metrics): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: '64kb' });
  const disputes = new DisputeGateway(client, config.temporal.taskQueue, config.complaint);
  const verifyNotice = (rail: ProviderRail, request: NoticeRequest) => rail.verifyNotice(request);

  const notice = (method: ProviderMethod, verify = verifyNotice): RequestHandler[] => [
    (req, res, next) => {
      const rail: ProviderRail | undefined = rails[method];
      if (!rail) return next(notFound(`the ${method} rail is not configured`));
      const outcome: NoticeOutcome = verify(rail, {
        method: req.method,
        raw: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
        query: new URL(req.originalUrl, 'http://notice').searchParams,
        header: (name) => req.header(name),
      });
      res.locals.railOutcome = outcome;
      res.locals.signedByProvider = outcome.kind !== 'refused';
      next();
    },
    limit,
    handle(async (_req: Request, res: Response) => {
      const rail = rails[method] as ProviderRail;
      const outcome = res.locals.railOutcome as NoticeOutcome;
      if (outcome.kind === 'payment') {
        const { notice: event } = outcome;
        const handled = await orders.notifyPayment(event);
        metrics.countNotice(method, handled);
        logger.info({ rail: method, orderId: event.orderId, eventId: event.eventId, paymentStatus: event.status, outcome: handled }, 'payment notice');
      } else if (outcome.kind === 'dispute') {
        const { dispute } = outcome;
        const handled = await disputes.notify(dispute);
        metrics.countNotice(method, handled === 'signalled' ? 'signalled' : 'ignored');
        logger.info({ rail: method, disputeId: dispute.externalId, eventId: dispute.eventId, action: dispute.action, outcome: handled }, 'dispute notice');
      } else if (outcome.kind === 'refused') {
        metrics.countNotice(method, 'refused');
        logger.warn({ rail: method, why: outcome.why }, 'payment notice refused');
      } else {
        metrics.countNotice(method, 'ignored');
        logger.info({ rail: method, why: outcome.why }, 'payment notice acknowledged, nothing to pay');
      }
      send(res, rail.reply(outcome));
    }),
  ];

  router.post('/v1/payments/alipay/notify', raw, ...notice('alipay'));
  router.post('/v1/payments/wechatpay/notify', raw, ...notice('wechatpay'));
  // 消费者投诉2.0: registered once per merchant (POST /v3/merchant-service/complaint-notifications).
  router.post('/v1/payments/wechatpay/complaints/notify', raw, ...notice('wechatpay', (_rail, request) => (rails.wechatpay as NonNullable<typeof rails.wechatpay>).verifyComplaintNotice(request)));
  router.post('/v1/payments/stripe/webhook', raw, ...notice('stripe'));
  router.get('/v1/payments/epay/notify', ...notice('epay'));
  router.post('/v1/payments/epay/notify', raw, ...notice('epay'));
  return router;
}

function send(res: Response, reply: NoticeReply): void {
  res.status(reply.status);
  if (reply.text !== undefined) res.type('text/plain').send(reply.text);
  else if (reply.json !== undefined) res.json(reply.json);
  else res.end();
}
