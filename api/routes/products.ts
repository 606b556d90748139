import { Router } from 'express';
import { onSale, productPage } from '../../db/catalog';
import { countNotMatching, importKeys, keyPage, removeAvailableKey, stockOf } from '../../db/inventory';
import type { ProductDoc } from '../../db/schemas';
import { rearmStockAlerts } from '../../db/stockAlerts';
import { stockWatch } from '../../activities/stockAlerts';
import { asAction } from '../actionIds';
import { actorName, callerOf, merchantOf, requireRole } from '../auth';
import { merchantField } from '../../db/merchants';
import { ofStockId, stockId } from '../../domain/merchant';
import { readCursor, readIdCursor, writeCursor, writeIdCursor } from '../cursor';
import { handle, type ApiDeps } from '../deps';
import { conflict, notFound } from '../errors';
import { KeyId, KeyImport, KeyListQuery, NoBody, ProductInput, ProductListQuery, ProductSwitch, Sku } from '../schemas';
import { parse } from '../validate';

export function productRoutes({ store, vault, client, restock, config, logger }: ApiDeps): Router {
  const router = Router();
  // The same watch an order's key take goes through: a removed key may cross the line too.
  const stock = stockWatch({ store, vault, config, logger }, () => client);

  router.put(
    '/v1/products/:sku',
    requireRole('admin'),
    handle(async (req, res) => {
      const merchantId = merchantOf(req);
      const id = stockId(merchantId, parse(Sku, req.params.sku, 'sku'));
      const body = parse(ProductInput, req.body, 'body');
      await refuseStrandingPattern(id, body.keyPattern);
      const fields = {
        ...merchantField(merchantId),
        ...(merchantField(merchantId).merchantId ? { sku: ofStockId(id).sku } : {}),
        name: body.name,
        price: body.price,
        refundWindow: body.refundWindow ?? config.defaultRefundWindow,
        complaintWindow: body.complaintWindow ?? config.defaultComplaintWindow,
        keyPattern: body.keyPattern,
        validationUrl: body.validationUrl,
        lowStockThreshold: body.lowStockThreshold,
        instructions: body.instructions && (body.instructions.zh || body.instructions.en) ? body.instructions : undefined,
      };
      const unset = Object.fromEntries(Object.entries(fields).filter(([, v]) => v === undefined).map(([k]) => [k, 1]));
      await store.products.updateOne(
        { _id: id },
        { $set: Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)), ...(Object.keys(unset).length ? { $unset: unset } : {}) },
        { upsert: true },
      );
      const product = await store.products.findById(id).lean();
      res.json(present(product!, config.lowStockThreshold));
    }),
  );

  router.get(
    '/v1/products',
    requireRole('storefront', 'agent', 'ops'),
    handle(async (req, res) => {
      const { cursor, ...filter } = parse(ProductListQuery, req.query, 'query');
      const { items, next } = await productPage(store, merchantOf(req), { ...filter, ...(cursor ? { after: readIdCursor(cursor) } : {}) });
      res.json({
        items: await Promise.all(items.map(withStock)),
        nextCursor: next === undefined ? null : writeIdCursor(next),
      });
    }),
  );

  router.patch(
    '/v1/products/:sku',
    requireRole('admin'),
    handle(async (req, res) => {
      const sku = parse(Sku, req.params.sku, 'sku');
      const id = stockId(merchantOf(req), sku);
      const { active } = parse(ProductSwitch, req.body, 'body');
      // Orders already taken keep going: they were priced and started with the product as it was.
      const { matchedCount } = await store.products.updateOne({ _id: id }, { $set: { active } });
      if (matchedCount === 0) throw notFound(`product ${sku} does not exist`);
      logger.info({ sku: id, active, actor: actorName(callerOf(req)) }, active ? 'product put on sale' : 'product taken off sale');
      res.json(await withStock((await store.products.findById(id).lean())!));
    }),
  );

  router.get(
    '/v1/products/:sku',
    requireRole('admin', 'storefront', 'agent', 'ops'),
    handle(async (req, res) => {
      const sku = parse(Sku, req.params.sku, 'sku');
      const product = await store.products.findById(stockId(merchantOf(req), sku)).lean();
      if (!product) throw notFound(`product ${sku} does not exist`);
      res.json(await withStock(product));
    }),
  );

  router.post(
    '/v1/products/:sku/keys',
    requireRole('admin'),
    handle(async (req, res) => {
      const sku = parse(Sku, req.params.sku, 'sku');
      const id = stockId(merchantOf(req), sku);
      const body = parse(KeyImport, req.body, 'body');
      // By Idempotency-Key, a batch sent again after its answer was lost is answered with what it
      // imported the first time, not as all duplicates.
      const answer = await asAction(store, req, body, async () => {
        const product = await store.products.findById(id).lean();
        if (!product) throw notFound(`product ${sku} does not exist`);
        const result = await importKeys(store, vault, id, body.keys, product.keyPattern);
        if (result.imported > 0) await rearmStockAlerts(store, id, config.lowStockThreshold);
        // The orders waiting for this stock are offered it by the sku's restock owner, not here.
        return { ...result, ...(await restock.handOver(id, result.imported)) };
      });
      res.json(answer);
    }),
  );

  router.get(
    '/v1/products/:sku/keys',
    requireRole('admin'),
    handle(async (req, res) => {
      const sku = parse(Sku, req.params.sku, 'sku');
      const id = stockId(merchantOf(req), sku);
      const { cursor, ...query } = parse(KeyListQuery, req.query, 'query');
      if (!(await store.products.exists({ _id: id }))) throw notFound(`product ${sku} does not exist`);
      const { items, next } = await keyPage(store, id, { ...query, ...(cursor ? { after: readCursor(cursor) } : {}) });
      res.set('cache-control', 'no-store').json({ items, nextCursor: next ? writeCursor(next) : null });
    }),
  );

  router.delete(
    '/v1/products/:sku/keys/:keyId',
    requireRole('admin'),
    handle(async (req, res) => {
      const sku = parse(Sku, req.params.sku, 'sku');
      const keyId = parse(KeyId, req.params.keyId, 'keyId');
      parse(NoBody, req.body ?? {}, 'body');
      const id = stockId(merchantOf(req), sku);
      const outcome = await removeAvailableKey(store, id, keyId);
      if (!outcome.removed && outcome.status === 'missing') throw notFound(`product ${sku} has no key ${keyId}`);
      if (!outcome.removed) throw conflict(`key ${keyId} is ${outcome.status}, not available: only a key no order holds can be removed`, { status: outcome.status });
      logger.info({ sku: id, keyId, actor: actorName(callerOf(req)) }, 'key removed from stock');
      // Raised before the answer (afterTaking never fails): the admin's next look sees the alert sent.
      await stock.afterTaking(id);
      res.json({ keyId, removed: true, stock: await stockOf(store, id) });
    }),
  );

  /** A product as the API shows it, with its stock counted now. */
  async function withStock(p: ProductDoc) {
    return { ...present(p, config.lowStockThreshold), stock: await stockOf(store, p._id) };
  }

  /**
   * A keyPattern applies to the keys in stock too (each is checked against it before it leaves), so
   * a new pattern that would reject keys still to be delivered is refused, naming how many.
   */
  async function refuseStrandingPattern(sku: string, keyPattern: string | undefined): Promise<void> {
    if (keyPattern === undefined) return;
    const current = await store.products.findById(sku, { keyPattern: 1 }).lean();
    if (!current || current.keyPattern === keyPattern) return;
    const rejected = await countNotMatching(store, vault, sku, new RegExp(keyPattern));
    if (rejected > 0) {
      throw conflict(
        `keyPattern ${keyPattern} would reject ${rejected} key${rejected === 1 ? '' : 's'} of ${sku} still in stock (available or reserved); remove or replace them first, or keep the pattern`,
        { rejectedKeys: rejected },
      );
    }
  }

  return router;
}

function present(p: ProductDoc, defaultThreshold: number) {
  return {
    sku: ofStockId(p._id).sku,
    name: p.name,
    price: { amount: p.price.amount, currency: p.price.currency },
    refundWindow: p.refundWindow,
    complaintWindow: p.complaintWindow,
    ...(p.keyPattern ? { keyPattern: p.keyPattern } : {}),
    ...(p.validationUrl ? { validationUrl: p.validationUrl } : {}),
    lowStockThreshold: p.lowStockThreshold ?? defaultThreshold,
    ...(p.instructions && (p.instructions.zh || p.instructions.en) ? { instructions: { ...(p.instructions.zh ? { zh: p.instructions.zh } : {}), ...(p.instructions.en ? { en: p.instructions.en } : {}) } } : {}),
    active: onSale(p),
  };
}
