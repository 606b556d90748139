import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { noticeMayReach } from '../../db/merchantSettings';
import { DEFAULT_MERCHANT, MERCHANT_ID } from '../../domain/merchant';
import { complaintPolicyOf } from '../../domain/merchantSettings';
import { PAYMENT_METHODS, type PaymentMethod } from '../../domain/payment';
import type { NoticeOutcome, NoticeReply, NoticeRequest, ProviderRail, Rails } from '../../payments/rails';
import { handle, type ApiDeps } from '../deps';
import { DisputeGateway } from '../disputeGateway';
import { notFound } from '../errors';
import type { Metrics } from '../metrics';

type ProviderMethod = Exclude<PaymentMethod, 'generic'>;
const PROVIDER_METHODS = PAYMENT_METHODS.filter((m): m is ProviderMethod => m !== 'generic');

/**
 * The providers' own notices. Each is verified over the raw bytes by its rail before anything is
 * read from it; an authentic payment becomes the same signal a generic notice sends (same duplicate,
 * late, second-payment and mismatch rules in the order), and the provider hears the answer it
 * expects so it stops retrying. An authentic dispute event (a Stripe chargeback, a WeChat Pay
 * complaint) goes to the dispute's workflow, with the deadlines of the merchant it came for. A
 * refused notice records nothing. `limit` is the anonymous rate limit: authentic notices pass it,
 * the rest count against their address.
 */
export function railRoutes({ rails, merchantRails, orders, client, config, store, logger }: ApiDeps, limit: RequestHandler, metrics: Metrics): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: '64kb' });
  const disputes = new DisputeGateway(client, config.temporal.taskQueue, config.complaint);
  const verifyNotice = (rail: ProviderRail, request: NoticeRequest) => rail.verifyNotice(request);
  // 消费者投诉2.0 notices come to their own address, signed and encrypted like payment notices.
  const verifyComplaintNotice = (rail: ProviderRail, request: NoticeRequest) => (rail as NonNullable<Rails['wechatpay']>).verifyComplaintNotice(request);
  /** The first shop's rails at their old addresses: the platform's configuration. */
  const platformRail = async (method: ProviderMethod) => ({ rail: rails[method] as ProviderRail | undefined, merchantId: DEFAULT_MERCHANT });

  const notice = (method: ProviderMethod, verify = verifyNotice, railOf: (req: Request) => Promise<{ rail?: ProviderRail; merchantId: string }> = () => platformRail(method)): RequestHandler[] => [
    (req, res, next) => {
      railOf(req)
        .then(({ rail, merchantId }) => {
          if (!rail) return next(notFound(`the ${method} rail is not configured${merchantId === DEFAULT_MERCHANT ? '' : ` for merchant ${merchantId}`}`));
          const outcome: NoticeOutcome = verify(rail, {
            method: req.method,
            raw: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
            query: new URL(req.originalUrl, 'http://notice').searchParams,
            header: (name) => req.header(name),
          });
          res.locals.rail = rail;
          res.locals.noticeMerchant = merchantId;
          res.locals.railOutcome = outcome;
          res.locals.signedByProvider = outcome.kind !== 'refused';
          next();
        })
        .catch(next);
    },
    limit,
    handle(async (_req: Request, res: Response) => {
      const rail = res.locals.rail as ProviderRail;
      const merchantId = res.locals.noticeMerchant as string;
      const outcome = res.locals.railOutcome as NoticeOutcome;
      if (outcome.kind === 'payment') {
        const { notice: event } = outcome;
        if (!(await noticeMayReach(store, merchantId, event.orderId))) {
          // Another merchant's order: answered as an order that is not there, and never touched.
          metrics.countNotice(method, 'ignored');
          logger.warn({ rail: method, merchantId, orderId: event.orderId, eventId: event.eventId }, "payment notice names another merchant's order; ignored");
        } else {
          const handled = await orders.notifyPayment(event);
          metrics.countNotice(method, handled);
          logger.info({ rail: method, merchantId, orderId: event.orderId, eventId: event.eventId, paymentStatus: event.status, outcome: handled }, 'payment notice');
        }
      } else if (outcome.kind === 'dispute') {
        const dispute = merchantId === DEFAULT_MERCHANT ? outcome.dispute : { ...outcome.dispute, merchantId };
        const handled = await disputes.notify(dispute, complaintPolicyOf(config.complaint, await merchantRails.settings.of(merchantId)));
        metrics.countNotice(method, handled === 'signalled' ? 'signalled' : 'ignored');
        logger.info({ rail: method, merchantId, disputeId: dispute.externalId, eventId: dispute.eventId, action: dispute.action, outcome: handled }, 'dispute notice');
      } else if (outcome.kind === 'refused') {
        metrics.countNotice(method, 'refused');
        logger.warn({ rail: method, merchantId, why: outcome.why }, 'payment notice refused');
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
  router.post('/v1/payments/wechatpay/complaints/notify', raw, ...notice('wechatpay', verifyComplaintNotice));
  router.post('/v1/payments/stripe/webhook', raw, ...notice('stripe'));
  router.get('/v1/payments/epay/notify', ...notice('epay'));
  router.post('/v1/payments/epay/notify', raw, ...notice('epay'));

  // Each merchant's notices, verified with its own accounts only (the first shop's fall back to the platform's).
  for (const method of PROVIDER_METHODS) {
    const own = notice(method, verifyNotice, (req) => merchantRail(method, req.params.merchantId as string));
    router.post(`/v1/rails/${method}/notify/:merchantId`, raw, ...own);
    if (method === 'epay') router.get(`/v1/rails/${method}/notify/:merchantId`, ...own);
  }
  // Each merchant's WeChat Pay complaint notices (registered with its own account), verified with that account only.
  router.post('/v1/payments/wechatpay/complaints/notify/:merchantId', raw, ...notice('wechatpay', verifyComplaintNotice, (req) => merchantRail('wechatpay', req.params.merchantId as string)));
  return router;

  /** The merchant's own rail (payments/merchantRails.ts: the first shop's falls back to the platform's). */
  async function merchantRail(method: ProviderMethod, merchantId: string): Promise<{ rail?: ProviderRail; merchantId: string }> {
    if (!MERCHANT_ID.test(merchantId)) return { merchantId };
    return { rail: (await merchantRails.of(merchantId))[method], merchantId };
  }
}

function send(res: Response, reply: NoticeReply): void {
  res.status(reply.status);
  if (reply.text !== undefined) res.type('text/plain').send(reply.text);
  else if (reply.json !== undefined) res.json(reply.json);
  else res.end();
}
