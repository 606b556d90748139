import { maskCode } from '../domain/masking';
import { newId, type Vault } from './vault';
import type { Store } from './store';
import type { ClaimState } from './schemas';

export interface Stock {
  available: number;
  reserved: number;
  delivered: number;
  revoked: number;
  invalid: number;
}

export interface ImportResult {
  imported: number;
  duplicates: number;
  rejected: number;
}

/**
 * Add codes to a product's inventory, sealed. A code already held for any product is a
 * duplicate: its fingerprint collides on the unique index, so it is never stored twice,
 * even when two imports of the same code race.
 */
export async function importKeys(
  store: Store,
  vault: Vault,
  sku: string,
  codes: string[],
  keyPattern?: string,
): Promise<ImportResult> {
  const pattern = keyPattern ? new RegExp(keyPattern) : undefined;
  const result: ImportResult = { imported: 0, duplicates: 0, rejected: 0 };
  const seen = new Set<string>();
  const docs = [];
  const now = new Date();
  for (const raw of codes) {
    const code = raw.trim();
    if (!code || (pattern && !pattern.test(code))) {
      result.rejected += 1;
      continue;
    }
    const fingerprint = vault.fingerprint(code);
    if (seen.has(fingerprint)) {
      result.duplicates += 1;
      continue;
    }
    seen.add(fingerprint);
    docs.push({ _id: newId(), sku, fingerprint, code: vault.seal(code), masked: maskCode(code), importedAt: now, claimed: false });
  }
  // Unordered so one duplicate does not stop the rest; each collision is counted, not stored.
  for (let i = 0; i < docs.length; i += 1000) {
    const batch = docs.slice(i, i + 1000);
    try {
      const inserted = await store.keys.insertMany(batch, { ordered: false, rawResult: true });
      result.imported += inserted.insertedCount;
    } catch (err) {
      const bulk = err as { insertedDocs?: unknown[]; result?: { insertedCount?: number }; writeErrors?: unknown[] };
      const writeErrors = (bulk.writeErrors ?? []) as { code?: number; err?: { code?: number } }[];
      const dupes = writeErrors.filter((e) => (e.code ?? e.err?.code) === 11000).length;
      if (dupes !== writeErrors.length || writeErrors.length === 0) throw err;
      result.duplicates += dupes;
      result.imported += batch.length - dupes;
    }
  }
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
