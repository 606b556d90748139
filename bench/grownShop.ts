import { randomBytes } from 'node:crypto';
import type { Model } from 'mongoose';
import { onlyDuplicateKeyErrors, type Store } from '../db/store';
import { hashToken, newId, type Vault } from '../db/vault';
import { maskCode, maskEmail } from '../domain/masking';
import type { Money } from '../domain/money';
import type { OrderView } from '../domain/order';

/**
 * A shop that has been selling for a while: finished orders written straight into the store as the
 * order workflow leaves them (read model, buyer access, the delivered key and its claim, the payment
 * notice, the storefront notifications), not through workflows. Every order holds one key of its own,
 * so N orders bring N keys. The orders are spread over the catalog's skus, the ones on sale included:
 * a sale's product has sold before.
 */
export interface GrownShop {
  orders: number;
  skus: string[];
  price: Money;
}

const BATCH = 2_000;
const DAYS = 90;
const DAY_MS = 86_400_000;
/** The notifications a delivered order leaves in the outbox, one per status it went through. */
const OUTBOX_EVENTS = ['order.created', 'order.paid', 'order.delivering', 'order.delivered', 'order.completed'];

export async function seedGrownShop(store: Store, vault: Vault, shop: GrownShop, progress: (done: number) => void = () => undefined): Promise<void> {
  const run = randomBytes(4).toString('hex');
  const now = Date.now();
  for (let from = 0; from < shop.orders; from += BATCH) {
    const n = Math.min(BATCH, shop.orders - from);
    const rows = Array.from({ length: n }, (_, j) => finishedOrder(vault, shop, run, from + j, now - ((from + j) % (DAYS * 24 * 60)) * 60_000 - 8 * DAY_MS));
    await insertAll(store.keys, rows.map((r) => r.key));
    await insertAll(store.claims, rows.map((r) => r.claim));
    await insertAll(store.orderViews, rows.map((r) => r.view));
    await insertAll(store.orderAccess, rows.map((r) => r.access));
    await insertAll(store.paymentEvents, rows.map((r) => r.payment));
    await insertAll(store.outbox, rows.flatMap((r) => r.outbox));
    progress(from + n);
  }
}

/** How often a batch is tried again while the embedded store answers "database is locked". */
const BUSY_TRIES = 10;

/**
 * One unordered bulk insert. lean: the rows are built in the schema's shape already, so mongoose need
 * not cast each one. The product keeps writing meanwhile (orders of earlier levels still settling),
 * and FerretDB's SQLite answers SQLITE_BUSY when a writer waits too long: such a batch is sent
 * again, and rows an earlier try did insert collide as duplicates, which is what we want.
 */
async function insertAll<T>(model: Model<T>, rows: T[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await model.insertMany(rows, { ordered: false, lean: true });
      return;
    } catch (err) {
      if (onlyDuplicateKeyErrors(err) && attempt > 1) return;
      if (attempt >= BUSY_TRIES || !/database is locked|SQLITE_BUSY/.test(String((err as Error)?.message))) throw err;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

/** One order, created at `createdMs`, paid and delivered a moment later, completed a day after. */
function finishedOrder(vault: Vault, shop: GrownShop, run: string, i: number, createdMs: number) {
  const orderId = newId();
  const keyId = newId();
  const sku = shop.skus[i % shop.skus.length];
  const serial = `${run}-${i}`;
  const code = `GROWN-${serial}-${randomBytes(6).toString('hex').toUpperCase()}`;
  const email = `buyer-${serial}@example.com`;
  const iso = (ms: number) => new Date(ms).toISOString();
  const created = iso(createdMs);
  const paid = iso(createdMs + 40_000);
  const delivered = iso(createdMs + 41_000);
  const completed = iso(createdMs + 41_000 + DAY_MS);
  const paymentId = `pay-${orderId}`;
  const view: OrderView = {
    orderId,
    sku,
    quantity: 1,
    amount: shop.price,
    status: 'COMPLETED',
    buyer: { email: maskEmail(email) },
    createdAt: created,
    paymentDueAt: iso(createdMs + 15 * 60_000),
    paidAt: paid,
    paymentId,
    deliveredAt: delivered,
    refundWindowEndsAt: iso(createdMs + 41_000 + DAY_MS),
    complaintWindowEndsAt: iso(createdMs + 41_000 + 7 * DAY_MS),
    keys: [{ keyId, masked: maskCode(code) }],
    refund: null,
    complaints: [],
    timeline: [
      { at: created, type: 'status:AWAITING_PAYMENT' },
      { at: paid, type: 'status:PAID', detail: `payment ${paymentId}` },
      { at: paid, type: 'status:DELIVERING' },
      { at: delivered, type: 'status:DELIVERED', detail: '1 key(s) ready for the buyer' },
      { at: completed, type: 'status:COMPLETED', detail: 'refund window ended' },
    ],
  };
  return {
    key: { _id: keyId, sku, fingerprint: vault.fingerprint(code), code: vault.seal(code), masked: maskCode(code), importedAt: new Date(createdMs - DAY_MS) },
    claim: { _id: keyId, sku, orderId, slot: 0, attempt: 1, state: 'delivered' as const, claimedAt: new Date(paid), updatedAt: new Date(delivered) },
    view: {
      _id: orderId,
      seq: 6,
      sku,
      status: 'COMPLETED' as const,
      statusSince: new Date(completed),
      createdAt: new Date(created),
      paidAt: new Date(paid),
      deliveredAt: new Date(delivered),
      paymentId,
      view,
    },
    access: { _id: orderId, tokenHash: hashToken(randomBytes(24).toString('base64url')), email: vault.seal(email), storefront: 'bench-shop', createdAt: new Date(created) },
    payment: { _id: `evt-${orderId}`, orderId, paymentId, status: 'succeeded' as const, amount: shop.price, receivedAt: new Date(paid) },
    outbox: OUTBOX_EVENTS.map((type, i) => ({
      _id: `${orderId}.${i + 1}.${type}`,
      type,
      orderId,
      status: type.slice('order.'.length).toUpperCase(),
      at: new Date([created, paid, paid, delivered, completed][i]),
      delivery: 'not_configured' as const,
      attempts: 0,
    })),
  };
}
