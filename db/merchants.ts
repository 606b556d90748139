import { timingSafeEqual } from 'node:crypto';
import type { QueryFilter } from 'mongoose';
import { DEFAULT_MERCHANT, merchantOr, ofStockId, type MerchantKeyRole, type MerchantStatus } from '../domain/merchant';
import type { MerchantDoc, MerchantKeyDoc, OrderViewDoc } from './schemas';
import { isDuplicateKeyError, type Store } from './store';
import { hashToken, newId, newSecretToken, type Vault } from './vault';

/**
 * The rows of one merchant in any collection that carries `merchantId`. Rows written before
 * merchants existed carry none and are `default`'s, so its filter takes them too.
 */
export function inMerchant<T = unknown>(merchantId: string): QueryFilter<T> {
  return (merchantId === DEFAULT_MERCHANT ? { merchantId: { $in: [DEFAULT_MERCHANT, null] } } : { merchantId }) as QueryFilter<T>;
}

/** The paid orders waiting for a product's stock (its stock id), as the read model lists them. */
export function waitingForStock(stock: string): QueryFilter<OrderViewDoc> {
  const { merchantId, sku } = ofStockId(stock);
  return { ...inMerchant<OrderViewDoc>(merchantId), sku, status: 'OUT_OF_STOCK' };
}

/** The field to store on a new row of `merchantId` (none for `default`, so its rows read as before). */
export function merchantField(merchantId: string): { merchantId?: string } {
  return merchantId === DEFAULT_MERCHANT ? {} : { merchantId };
}

export interface MerchantSummary {
  merchantId: string;
  name: string;
  status: MerchantStatus;
  suspendedReason?: string;
  createdAt?: string;
}

/** A merchant as the platform sees it; `default` is there even before anyone wrote its row. */
export async function findMerchant(store: Store, merchantId: string): Promise<MerchantSummary | null> {
  const row = await store.merchants.findById(merchantId).lean();
  if (row) return summaryOf(row);
  return merchantId === DEFAULT_MERCHANT ? { merchantId, name: 'default', status: 'ACTIVE' } : null;
}

export async function listMerchants(store: Store): Promise<MerchantSummary[]> {
  const rows = (await store.merchants.find().sort({ _id: 1 }).lean()).map(summaryOf);
  return rows.some((m) => m.merchantId === DEFAULT_MERCHANT) ? rows : [{ merchantId: DEFAULT_MERCHANT, name: 'default', status: 'ACTIVE' }, ...rows];
}

function summaryOf(row: MerchantDoc): MerchantSummary {
  return {
    merchantId: row._id,
    name: row.name,
    status: row.status,
    ...(row.suspendedReason ? { suspendedReason: row.suspendedReason } : {}),
    createdAt: row.createdAt.toISOString(),
  };
}

/** A new merchant, or null when the id is taken (the unique _id settles a race). */
export async function createMerchant(store: Store, vault: Vault, m: { merchantId: string; name: string; contactEmail: string }): Promise<MerchantSummary | null> {
  if (m.merchantId === DEFAULT_MERCHANT) return null;
  try {
    const row = await store.merchants.create({ _id: m.merchantId, name: m.name, contactEmail: vault.seal(m.contactEmail), status: 'ACTIVE' });
    return summaryOf(row.toObject());
  } catch (err) {
    if (isDuplicateKeyError(err)) return null;
    throw err;
  }
}

/** Suspend or resume; `default`'s row is written on its first change. Null when there is no such merchant. */
export async function setMerchantStatus(store: Store, merchantId: string, status: MerchantStatus, reason?: string): Promise<MerchantSummary | null> {
  if (!(await findMerchant(store, merchantId))) return null;
  const set = { status, ...(reason ? { suspendedReason: reason } : {}) };
  const unset = status === 'ACTIVE' ? { $unset: { suspendedReason: 1 } } : {};
  if (merchantId === DEFAULT_MERCHANT) {
    await store.merchants.updateOne({ _id: merchantId }, { $set: set, ...unset, $setOnInsert: { name: 'default', contactEmail: { iv: '', tag: '', data: '' } } }, { upsert: true });
  } else {
    await store.merchants.updateOne({ _id: merchantId }, { $set: set, ...unset });
  }
  return findMerchant(store, merchantId);
}

/** A merchant key's secret: `mk_<keyId>_<random>`, so the key is found by its id and its secret compared. */
const KEY_SECRET = /^mk_([A-Za-z0-9]+)_[A-Za-z0-9_-]+$/;

export async function issueKey(store: Store, merchantId: string, role: MerchantKeyRole, name: string): Promise<{ keyId: string; secret: string }> {
  const keyId = newId();
  const secret = `mk_${keyId}_${newSecretToken()}`;
  await store.merchantKeys.create({ _id: keyId, merchantId, role, name, secretHash: hashToken(secret), createdAt: new Date() });
  return { keyId, secret };
}

export async function listKeys(store: Store, merchantId: string) {
  const rows = await store.merchantKeys.find({ merchantId }).sort({ createdAt: 1, _id: 1 }).lean();
  return rows.map(({ _id, role, name, createdAt, lastUsedAt }) => ({ keyId: _id, role, name, createdAt: createdAt.toISOString(), ...(lastUsedAt ? { lastUsedAt: lastUsedAt.toISOString() } : {}) }));
}

/** Whether the merchant had the key (it is gone now either way). */
export async function revokeKey(store: Store, merchantId: string, keyId: string): Promise<boolean> {
  const { deletedCount } = await store.merchantKeys.deleteOne({ _id: keyId, merchantId });
  return deletedCount > 0;
}

/** How often `lastUsedAt` is written: it says roughly when, and costs a write per key a minute at most. */
const LAST_USED_GRAIN_MS = 60_000;

/**
 * The merchant key a bearer secret is, or null. The row is read on every request, so a revoked key
 * is refused at once; the secret is compared by digest in constant time.
 */
export async function keyOfSecret(store: Store, secret: string): Promise<MerchantKeyDoc | null> {
  const match = KEY_SECRET.exec(secret);
  if (!match) return null;
  const row = await store.merchantKeys.findById(match[1]).lean();
  if (!row) return null;
  if (!timingSafeEqual(Buffer.from(row.secretHash, 'hex'), Buffer.from(hashToken(secret), 'hex'))) return null;
  const now = new Date();
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_GRAIN_MS) {
    await store.merchantKeys.updateOne({ _id: row._id }, { $set: { lastUsedAt: now } });
  }
  return row;
}

/** How many orders' merchants a process keeps in mind: an order's merchant never changes. */
const REMEMBERED_ORDERS = 10_000;

/**
 * The merchant of an order, as order_access says (the API writes it before the order starts), kept
 * in mind once read: a complaint's projections and a refund's need it at every step.
 */
export class OrderMerchants {
  private readonly known = new Map<string, string>();
  constructor(private readonly store: Store) {}

  async of(orderId: string): Promise<string> {
    const remembered = this.known.get(orderId);
    if (remembered !== undefined) return remembered;
    const access = await this.store.orderAccess.findById(orderId, { merchantId: 1 }).lean();
    const merchantId = merchantOr(access?.merchantId);
    if (access) {
      if (this.known.size >= REMEMBERED_ORDERS) this.known.delete(this.known.keys().next().value as string);
      this.known.set(orderId, merchantId);
    }
    return merchantId;
  }
}
