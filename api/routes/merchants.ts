import { Router, type RequestHandler } from 'express';
import { urlRefusal } from '../../security/outboundAddress';
import { createMerchant, findMerchant, issueKey, listKeys, listMerchants, revokeKey, setMerchantStatus } from '../../db/merchants';
import { changeSettings, readSettings } from '../../db/merchantSettings';
import { parseMerchantRails } from '../../config/rails';
import { maskedSettings, withStoredSecrets, type MerchantSettingsEdit } from '../../domain/merchantSettings';
import { requirePlatform } from '../auth';
import { handle, type ApiDeps } from '../deps';
import { badRequest, conflict, forbidden, notFound, unauthenticated } from '../errors';
import { MerchantId, MerchantInput, MerchantKeyId, MerchantKeyInput, MerchantResume, MerchantSettingsInput, MerchantSuspend, NoBody } from '../schemas';
import { parse } from '../validate';

/**
 * The platform's merchants: the platform creates, suspends and resumes them; the platform or a
 * merchant's own admin issues, lists and revokes its keys. A merchant's admin asking about another
 * merchant hears that it does not exist.
 */
export function merchantRoutes({ store, vault, logger, config, merchantRails }: ApiDeps): Router {
  const router = Router();

  router.post(
    '/v1/merchants',
    requirePlatform(),
    handle(async (req, res) => {
      const body = parse(MerchantInput, req.body, 'body');
      const merchant = await createMerchant(store, vault, body);
      if (!merchant) throw conflict(`merchant ${body.merchantId} already exists`);
      const { secret } = await issueKey(store, merchant.merchantId, 'admin', 'admin');
      logger.info({ merchantId: merchant.merchantId }, 'merchant created');
      res.status(201).json({ ...merchant, adminKey: secret });
    }),
  );

  router.get(
    '/v1/merchants',
    requirePlatform(),
    handle(async (_req, res) => {
      res.json({ items: await listMerchants(store) });
    }),
  );

  router.get(
    '/v1/merchants/:merchantId',
    merchantAdmin(),
    handle(async (req, res) => {
      res.json(await existing(req.params.merchantId as string));
    }),
  );

  router.post(
    '/v1/merchants/:merchantId/keys',
    merchantAdmin(),
    handle(async (req, res) => {
      const merchantId = (await existing(req.params.merchantId as string)).merchantId;
      const { role, name } = parse(MerchantKeyInput, req.body, 'body');
      const issued = await issueKey(store, merchantId, role, name);
      logger.info({ merchantId, keyId: issued.keyId, role }, 'merchant key issued');
      res.status(201).json(issued);
    }),
  );

  router.get(
    '/v1/merchants/:merchantId/keys',
    merchantAdmin(),
    handle(async (req, res) => {
      const merchantId = (await existing(req.params.merchantId as string)).merchantId;
      res.set('cache-control', 'no-store').json({ items: await listKeys(store, merchantId) });
    }),
  );

  router.delete(
    '/v1/merchants/:merchantId/keys/:keyId',
    merchantAdmin(),
    handle(async (req, res) => {
      const merchantId = (await existing(req.params.merchantId as string)).merchantId;
      const keyId = parse(MerchantKeyId, req.params.keyId, 'keyId');
      parse(NoBody, req.body ?? {}, 'body');
      if (!(await revokeKey(store, merchantId, keyId))) throw notFound(`merchant ${merchantId} has no key ${keyId}`);
      logger.info({ merchantId, keyId }, 'merchant key revoked');
      res.json({ keyId, revoked: true });
    }),
  );

  router.post(
    '/v1/merchants/:merchantId/suspend',
    requirePlatform(),
    handle(async (req, res) => {
      const merchantId = parse(MerchantId, req.params.merchantId, 'merchantId');
      const { reason } = parse(MerchantSuspend, req.body, 'body');
      const merchant = await setMerchantStatus(store, merchantId, 'SUSPENDED', reason);
      if (!merchant) throw notFound(`merchant ${merchantId} does not exist`);
      logger.info({ merchantId }, 'merchant suspended');
      res.json(merchant);
    }),
  );

  router.post(
    '/v1/merchants/:merchantId/resume',
    requirePlatform(),
    handle(async (req, res) => {
      const merchantId = parse(MerchantId, req.params.merchantId, 'merchantId');
      const { note } = parse(MerchantResume, req.body ?? {}, 'body');
      const merchant = await setMerchantStatus(store, merchantId, 'ACTIVE');
      if (!merchant) throw notFound(`merchant ${merchantId} does not exist`);
      logger.info({ merchantId, ...(note ? { note } : {}) }, 'merchant resumed');
      res.json(merchant);
    }),
  );

  router.put(
    '/v1/merchants/:merchantId/settings',
    merchantAdmin(),
    handle(async (req, res) => {
      const merchantId = (await existing(req.params.merchantId as string)).merchantId;
      const edit = parse(MerchantSettingsInput, req.body, 'body') as MerchantSettingsEdit;
      // A secret left null is the stored one, read here: one removed between this read and the write is written back.
      const { change, problems: unkept } = withStoredSecrets(await readSettings(store, vault, merchantId), edit);
      if (unkept.length > 0) throw badRequest('the body is not valid', unkept);
      const webhookRefused = change.webhook && config.merchantWebhookAddresses === 'public' ? urlRefusal(change.webhook.url) : undefined;
      if (webhookRefused) throw badRequest('the body is not valid', [{ path: 'webhook.url', reason: webhookRefused }]);
      if (change.rails) {
        // The rails' own rules (keys that load, URLs) as the platform's variables meet them.
        const { problems } = parseMerchantRails(change.rails, config.rails.publicBaseUrl);
        if (problems.length > 0) throw badRequest('the body is not valid', problems);
      }
      const settings = await changeSettings(store, vault, merchantId, change);
      if (!settings) throw notFound(`merchant ${merchantId} does not exist`);
      merchantRails.settings.forget(merchantId);
      logger.info({ merchantId, changed: Object.keys(change) }, 'merchant settings changed');
      res.set('cache-control', 'no-store').json(maskedSettings(settings));
    }),
  );

  router.get(
    '/v1/merchants/:merchantId/settings',
    merchantAdmin(),
    handle(async (req, res) => {
      const merchantId = (await existing(req.params.merchantId as string)).merchantId;
      res.set('cache-control', 'no-store').json(maskedSettings(await readSettings(store, vault, merchantId)));
    }),
  );

  return router;

  async function existing(raw: string) {
    const merchantId = parse(MerchantId, raw, 'merchantId');
    const merchant = await findMerchant(store, merchantId);
    if (!merchant) throw notFound(`merchant ${merchantId} does not exist`);
    return merchant;
  }
}

/** The platform, or the admin of the merchant the path names; anyone else's merchant is not there. */
function merchantAdmin(): RequestHandler {
  return (req, _res, next) => {
    const caller = req.caller;
    if (!caller || caller.kind !== 'staff') return next(unauthenticated());
    if (caller.role === 'platform') return next();
    if (caller.merchantId !== req.params.merchantId) return next(notFound(`merchant ${String(req.params.merchantId)} does not exist`));
    if (caller.role !== 'admin') return next(forbidden(`this needs the role admin; the key is ${caller.role}`));
    next();
  };
}
