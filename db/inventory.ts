import { ofStockId, scopedFingerprint } from '../domain/merchant';
import { maskCode } from '../domain/masking';
import { newId, type Vault } from './vault';
import { isDuplicateKeyError, onlyDuplicateKeyErrors, type Store } from './store';
import type { ClaimState } from './schemas';

export interface Stock {
  available: number;
  reserved: number;
  delivered: number;
  revoked: number;
  invalid: number;
}

/** Why one code of an import was not stored: its place in the list and the code masked, never in full. */
export interface ImportProblem {
  index: number;
  key: string;
  outcome: 'rejected' | 'duplicate';
  reason: string;
}

export interface ImportResult {
  imported: number;
  duplicates: number;
  rejected: number;
  /** The first MAX_IMPORT_DETAILS codes not stored, in list order; the counts cover them all. */
  details: ImportProblem[];
}

/** An import of 10000 bad codes still answers a small body. */
export const MAX_IMPORT_DETAILS = 100;

/**
 * Add codes to a product's inventory, sealed. A code already held for any product is a
 * duplicate: its fingerprint collides on the unique index, so it is never stored twice,
 * even when two imports of the same code race. Each code not stored is named (masked) with why.
 */
export async function importKeys(
  store: Store,
  vault: Vault,
  sku: string,
  codes: string[],
  keyPattern?: string,
): Promise<ImportResult> {
  const pattern = keyPattern ? new RegExp(keyPattern) : undefined;
  const result: ImportResult = { imported: 0, duplicates: 0, rejected: 0, details: [] };
  const problems: ImportProblem[] = [];
  const seen = new Set<string>();
  const docs = [];
  const indexOf: number[] = [];
  const older: string[][] = [];
  const now = new Date();
  // A code is unique within its merchant: another merchant's holding it is none of this one's business.
  const { merchantId } = ofStockId(sku);
  const scoped = (fingerprint: string) => scopedFingerprint(merchantId, fingerprint);
  for (const [index, raw] of codes.entries()) {
    const code = raw.trim();
    const problem = (outcome: ImportProblem['outcome'], reason: string) => problems.push({ index, key: maskCode(code), outcome, reason });
    if (!code) {
      result.rejected += 1;
      problem('rejected', 'is blank');
      continue;
    }
    if (pattern && !pattern.test(code)) {
      result.rejected += 1;
      problem('rejected', `does not match the product's keyPattern ${keyPattern}`);
      continue;
    }
    const fingerprint = scoped(vault.fingerprint(code));
    if (seen.has(fingerprint)) {
      result.duplicates += 1;
      problem('duplicate', 'appears earlier in this import');
      continue;
    }
    seen.add(fingerprint);
    docs.push({ _id: newId(), sku, fingerprint, code: vault.seal(code), masked: maskCode(code), importedAt: now, freeOf: sku });
    indexOf.push(index);
    older.push(vault.olderFingerprints(code).map(scoped));
  }
  // Until the rotation job has re-keyed every code, codes imported earlier carry an older key's fingerprint.
  if (older.some((fps) => fps.length > 0)) {
    const held = new Set<string>();
    const all = older.flat();
    for (let i = 0; i < all.length; i += 1000) {
      const rows = await store.keys.find({ fingerprint: { $in: all.slice(i, i + 1000) } }, { fingerprint: 1 }).lean();
      for (const row of rows) held.add(row.fingerprint);
    }
    for (let d = docs.length - 1; d >= 0; d -= 1) {
      if (!older[d].some((fp) => held.has(fp))) continue;
      result.duplicates += 1;
      problems.push({ index: indexOf[d], key: docs[d].masked, outcome: 'duplicate', reason: 'is already in inventory' });
      docs.splice(d, 1);
      indexOf.splice(d, 1);
    }
  }
  // Unordered so one duplicate does not stop the rest; each collision is counted, not stored.
  for (let i = 0; i < docs.length; i += 1000) {
    const batch = docs.slice(i, i + 1000);
    try {
      const inserted = await store.keys.insertMany(batch, { ordered: false, rawResult: true });
      result.imported += inserted.insertedCount;
    } catch (err) {
      if (!onlyDuplicateKeyErrors(err)) throw err;
      const writeErrors = (err as { writeErrors: { index?: number; err?: { index?: number } }[] }).writeErrors;
      result.duplicates += writeErrors.length;
      result.imported += batch.length - writeErrors.length;
      for (const e of writeErrors) {
        const at = e.index ?? e.err?.index;
        if (at === undefined) continue;
        problems.push({ index: indexOf[i + at], key: batch[at].masked, outcome: 'duplicate', reason: 'is already in inventory' });
      }
    }
  }
  result.details = problems.sort((a, b) => a.index - b.index).slice(0, MAX_IMPORT_DETAILS);
  return result;
}

/** Stock is counted from documents, never kept in counters: counters race on FerretDB. */
export async function stockOf(store: Store, sku: string): Promise<Stock> {
  const [imported, byState] = await Promise.all([
    store.keys.countDocuments({ sku }),
    store.claims.aggregate<{ _id: ClaimState; n: number }>([
      { $match: { sku } },
      { $group: { _id: '$state', n: { $sum: 1 } } },
    ]),
  ]);
  const stock: Stock = { available: 0, reserved: 0, delivered: 0, revoked: 0, invalid: 0 };
  let claimed = 0;
  for (const row of byState) {
    stock[row._id] = row.n;
    claimed += row.n;
  }
  stock.available = imported - claimed;
  return stock;
}

/**
 * Free keys of a sku by the `freeOf` hint, counting no further than `upTo`: what an order or a stock
 * alert needs to know ("at least n?", "at or under the line?") read from an index, however many
 * keys the shop has sold.
 */
export async function freeKeysUpTo(store: Store, sku: string, upTo: number): Promise<number> {
  if (upTo <= 0) return 0;
  return (await store.keys.find({ freeOf: sku }, { _id: 1 }).limit(upTo).lean()).length;
}

/** Free keys of a sku by the `freeOf` hint, all of them (the stock gauge). */
export function freeKeys(store: Store, sku: string): Promise<number> {
  return store.keys.countDocuments({ freeOf: sku });
}

/** Keys of a sku still to be delivered (available or reserved) whose code the pattern would reject. */
export async function countNotMatching(store: Store, vault: Vault, sku: string, pattern: RegExp): Promise<number> {
  const [keys, gone] = await Promise.all([
    store.keys.find({ sku }, { code: 1 }).lean(),
    store.claims.find({ sku, state: { $in: ['delivered', 'revoked', 'invalid'] } }, { _id: 1 }).lean(),
  ]);
  const settled = new Set(gone.map((c) => c._id));
  return keys.filter((k) => !settled.has(k._id) && !pattern.test(vault.open(k.code))).length;
}

/**
 * Give back keys an order holds reserved. The hint is set before the claim goes, so a crash in
 * between leaves a key marked free-but-claimed for a moment (a reservation that tries it looks
 * again), never hidden.
 */
export async function releaseReserved(store: Store, orderId: string, sku: string, keyIds: string[]): Promise<void> {
  for (const keyId of keyIds) {
    await store.keys.updateOne({ _id: keyId }, { $set: { freeOf: sku } });
    await store.claims.deleteOne({ _id: keyId, orderId, state: 'reserved' });
  }
}

/** Where a key stands: free in stock, or held by an order's claim in that claim's state. */
export type KeyStatus = 'available' | ClaimState;
export const KEY_STATUSES: readonly KeyStatus[] = ['available', 'reserved', 'delivered', 'invalid', 'revoked'];

/** A key as the admin's list shows it: never its code. */
export interface KeyListed {
  keyId: string;
  masked: string;
  status: KeyStatus;
  importedAt: string;
  orderId?: string;
}

/** A place in a key list: the time it is sorted by (import, or claim for claimed statuses) and the key's id. */
export interface KeyPlace {
  at: Date;
  id: string;
}

/**
 * A page of a product's keys. All of them, or the available ones, in import order; the keys of a
 * claimed status in the order they were claimed. Available means no claim holds it: the `freeOf`
 * hint finds the candidates and the claims have the last word.
 */
export async function keyPage(
  store: Store,
  sku: string,
  { status, limit, after }: { status?: KeyStatus; limit: number; after?: KeyPlace },
): Promise<{ items: KeyListed[]; next?: KeyPlace }> {
  const beyond = (field: string) => (after ? { $or: [{ [field]: { $gt: after.at } }, { [field]: after.at, _id: { $gt: after.id } }] } : {});
  if (status !== undefined && status !== 'available') {
    const claims = await store.claims
      .find({ sku, state: status, ...beyond('claimedAt') })
      .sort({ claimedAt: 1, _id: 1 })
      .limit(limit + 1)
      .lean();
    const page = claims.slice(0, limit);
    const keys = new Map((await store.keys.find({ _id: { $in: page.map((c) => c._id) } }, { masked: 1, importedAt: 1 }).lean()).map((k) => [k._id, k]));
    const items = page.flatMap((c) => {
      const key = keys.get(c._id);
      // A claim whose key is gone is a removal half done (removeAvailableKey): not a key any more.
      return key && !isRemoval(c.orderId) ? [{ keyId: c._id, masked: key.masked, status, importedAt: key.importedAt.toISOString(), orderId: c.orderId }] : [];
    });
    const last = page[page.length - 1];
    return { items, ...(claims.length > limit && last ? { next: { at: last.claimedAt, id: last._id } } : {}) };
  }
  const keys = await store.keys
    .find({ ...(status === 'available' ? { freeOf: sku } : { sku }), ...beyond('importedAt') }, { masked: 1, importedAt: 1 })
    .sort({ importedAt: 1, _id: 1 })
    .limit(limit + 1)
    .lean();
  const page = keys.slice(0, limit);
  const claims = new Map((await store.claims.find({ _id: { $in: page.map((k) => k._id) } }, { state: 1, orderId: 1 }).lean()).map((c) => [c._id, c]));
  const items = page.flatMap((k): KeyListed[] => {
    const claim = claims.get(k._id);
    if (claim && (status === 'available' || isRemoval(claim.orderId))) return [];
    return [{ keyId: k._id, masked: k.masked, status: claim?.state ?? 'available', importedAt: k.importedAt.toISOString(), ...(claim ? { orderId: claim.orderId } : {}) }];
  });
  const last = page[page.length - 1];
  return { items, ...(keys.length > limit && last ? { next: { at: last.importedAt, id: last._id } } : {}) };
}

/**
 * The claim a removal takes on the key first, so no order can reserve it while it goes: claims are
 * settled by their unique _id (the key's), and the order id is unique per key because claims are
 * also unique per (order, slot, attempt).
 */
const removalOf = (keyId: string) => `removal:${keyId}`;
const isRemoval = (orderId: string) => orderId.startsWith('removal:');

export type KeyRemoval = { removed: true } | { removed: false; status: KeyStatus | 'missing' };

/**
 * Remove an available key from stock. The key is claimed first, as an order would (an order that
 * got there first keeps it: the answer names its status), then deleted, then the claim. A removal
 * cut short is finished by the next try, which finds its own claim.
 */
export async function removeAvailableKey(store: Store, sku: string, keyId: string): Promise<KeyRemoval> {
  const key = await store.keys.findOne({ _id: keyId, sku }, { _id: 1 }).lean();
  if (!key) {
    await store.claims.deleteOne({ _id: keyId, orderId: removalOf(keyId) });
    return { removed: false, status: 'missing' };
  }
  const now = new Date();
  try {
    await store.claims.create({ _id: keyId, sku, orderId: removalOf(keyId), slot: 0, attempt: 0, state: 'revoked', claimedAt: now, updatedAt: now });
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    const claim = await store.claims.findById(keyId, { state: 1, orderId: 1 }).lean();
    if (claim && !isRemoval(claim.orderId)) return { removed: false, status: claim.state };
  }
  await store.keys.deleteOne({ _id: keyId });
  await store.claims.deleteOne({ _id: keyId, orderId: removalOf(keyId) });
  return { removed: true };
}
