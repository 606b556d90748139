import { Router } from 'express';
import { countNotMatching, importKeys, stockOf } from '../../db/inventory';
import type { ProductDoc } from '../../db/schemas';
import { rearmStockAlerts } from '../../db/stockAlerts';
import { requireRole } from '../auth';
import { handle, type ApiDeps } from '../deps';
import { conflict, notFound } from '../errors';
import { KeyImport, ProductInput, Sku } from '../schemas';
import { parse } from '../validate';

export function productRoutes({ store, vault, restock, config }: ApiDeps): Router {
  const router = Router();

  router.put(
    '/v1/products/:sku',
    requireRole('admin'),
    handle(async (req, res) => {
      const sku = parse(Sku, req.params.sku, 'sku');
      const body = parse(ProductInput, req.body, 'body');
      await refuseStrandingPattern(sku, body.keyPattern);
      const fields = {
        name: body.name,
        price: body.price,
        refundWindow: body.refundWindow ?? config.defaultRefundWindow,
        complaintWindow: body.complaintWindow ?? config.defaultComplaintWindow,
        keyPattern: body.keyPattern,
        validationUrl: body.validationUrl,
        lowStockThreshold: body.lowStockThreshold,
      };
      const unset = Object.fromEntries(Object.entries(fields).filter(([, v]) => v === undefined).map(([k]) => [k, 1]));
      await store.products.updateOne(
        { _id: sku },
        { $set: Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)), ...(Object.keys(unset).length ? { $unset: unset } : {}) },
        { upsert: true },
      );
      const product = await store.products.findById(sku).lean();
      res.json(present(product!, config.lowStockThreshold));
    }),
  );

  router.get(
    '/v1/products',
    requireRole('admin', 'agent', 'ops'),
    handle(async (_req, res) => {
      const products = await store.products.find().sort({ _id: 1 }).limit(MAX_LISTED).lean();
      const items = await Promise.all(products.map(async (p) => ({ ...present(p, config.lowStockThreshold), stock: await stockOf(store, p._id) })));
      res.json({ items });
    }),
  );

  router.get(
    '/v1/products/:sku',
    requireRole('admin', 'storefront', 'agent', 'ops'),
    handle(async (req, res) => {
      const sku = parse(Sku, req.params.sku, 'sku');
      const product = await store.products.findById(sku).lean();
      if (!product) throw notFound(`product ${sku} does not exist`);
      res.json({ ...present(product, config.lowStockThreshold), stock: await stockOf(store, sku) });
    }),
  );

  router.post(
    '/v1/products/:sku/keys',
    requireRole('admin'),
    handle(async (req, res) => {
      const sku = parse(Sku, req.params.sku, 'sku');
      const { keys } = parse(KeyImport, req.body, 'body');
      const product = await store.products.findById(sku).lean();
      if (!product) throw notFound(`product ${sku} does not exist`);
      const result = await importKeys(store, vault, sku, keys, product.keyPattern);
      if (result.imported > 0) await rearmStockAlerts(store, sku, config.lowStockThreshold);
      // The orders waiting for this stock are offered it by the sku's restock owner, not here.
      res.json({ ...result, ...(await restock.handOver(sku, result.imported)) });
    }),
  );

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

/** A catalog is a shop's list of products, not an open-ended collection: the list stops here. */
const MAX_LISTED = 500;

function present(p: ProductDoc, defaultThreshold: number) {
  return {
    sku: p._id,
    name: p.name,
    price: { amount: p.price.amount, currency: p.price.currency },
    refundWindow: p.refundWindow,
    complaintWindow: p.complaintWindow,
    ...(p.keyPattern ? { keyPattern: p.keyPattern } : {}),
    ...(p.validationUrl ? { validationUrl: p.validationUrl } : {}),
    lowStockThreshold: p.lowStockThreshold ?? defaultThreshold,
  };
}
