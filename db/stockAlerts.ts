import { ofStockId } from '../domain/merchant';
import { freeKeys, freeKeysUpTo } from './inventory';
import { isDuplicateKeyError, type Store } from './store';
import type { StockAlertDoc, StockAlertKind } from './schemas';

/*
 * Stock alerts: `stock.low` when a product's available stock falls to its threshold or below,
 * `stock.out` when it reaches 0, each once per crossing. Each kind has an arming generation on the
 * product; an import that lifts the stock back over the line starts a new one. An alert's _id is
 * `<sku>:<kind>:<generation>`, so however many orders cross the line at once, one insert wins:
 * the unique _id is the arbiter (no conditional update, which FerretDB does not apply atomically).
 */

export const alertId = (sku: string, kind: StockAlertKind, generation: number) => `${sku}:${kind}:${generation}`;

/** The event id the storefront sees for an alert. */
export const alertEventId = (alert: Pick<StockAlertDoc, '_id'>) => `stock-${alert._id}`;

/**
 * After an import: re-arm each alert whose line the stock is now above. Counted after the keys are
 * in, so an order that reads the new generation also counts the new keys.
 */
export async function rearmStockAlerts(store: Store, sku: string, defaultThreshold: number): Promise<void> {
  const product = await store.products.findById(sku).lean();
  if (!product) return;
  // Only an alert that went off needs re-arming; asked by _id, so a large import's batches skip the count.
  const fired = await store.stockAlerts
    .find({ _id: { $in: (['low', 'out'] as const).map((kind) => alertId(sku, kind, product.stockArming?.[kind] ?? 0)) } }, { _id: 1 })
    .lean();
  if (fired.length === 0) return;
  const threshold = product.lowStockThreshold ?? defaultThreshold;
  const available = await freeKeysUpTo(store, sku, threshold + 1);
  const inc: Record<string, number> = {};
  if (available > threshold) inc['stockArming.low'] = 1;
  if (available > 0) inc['stockArming.out'] = 1;
  if (Object.keys(inc).length > 0) await store.products.updateOne({ _id: sku }, { $inc: inc });
}

/**
 * After stock was taken: raise the alerts whose line the stock is at or under, once per arming
 * generation, and answer the alerts of the current generations not yet handed to the webhook
 * (those just raised, and any an earlier attempt raised but could not hand over).
 *
 * The generations are read before the stock is counted: an import in between then either shows in
 * the count or has not re-armed yet, so an alert never fires on a count from before a re-arm.
 */
export async function raiseStockAlerts(store: Store, sku: string, defaultThreshold: number): Promise<StockAlertDoc[]> {
  const product = await store.products.findById(sku).lean();
  if (!product) return [];
  const threshold = product.lowStockThreshold ?? defaultThreshold;
  const generation = { low: product.stockArming?.low ?? 0, out: product.stockArming?.out ?? 0 };
  // Counted no further than just over the line: exact at or under it, and cheap however large the stock.
  const available = await freeKeysUpTo(store, sku, threshold + 1);
  const crossed: StockAlertKind[] = [];
  if (available <= threshold) crossed.push('low');
  if (available === 0) crossed.push('out');
  for (const kind of crossed) {
    try {
      await store.stockAlerts.create({ _id: alertId(sku, kind, generation[kind]), sku, kind, generation: generation[kind], available, at: new Date(), dispatched: false });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }
  const current = (['low', 'out'] as const).map((kind) => alertId(sku, kind, generation[kind]));
  return store.stockAlerts.find({ _id: { $in: current }, dispatched: false }).sort({ at: 1 }).lean();
}

/** The alert is in the outbox and its delivery workflow started. */
export async function markAlertDispatched(store: Store, id: string): Promise<void> {
  await store.stockAlerts.updateOne({ _id: id }, { $set: { dispatched: true } });
}

/** Available stock of every product by merchant (catalogs of at most a few hundred each), for the metrics. */
export async function stockLevels(store: Store): Promise<{ merchantId: string; sku: string; available: number }[]> {
  const products = await store.products.find({}, { _id: 1 }).limit(1000).lean();
  return Promise.all(products.map(async (p) => ({ ...ofStockId(p._id), available: await freeKeys(store, p._id) })));
}
