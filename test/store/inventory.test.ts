import { randomBytes } from 'node:crypto';
import { inventoryActivities } from '../../activities/inventory';
import type { Config } from '../../config';
import { createLogger } from '../../config/logger';
import { importKeys, stockOf, type Stock } from '../../db/inventory';
import { maskCode } from '../../domain/masking';
import { openStore, type Store } from '../../db/store';
import { Vault } from '../../db/vault';
import { testConfig } from '../support/harness';
import { keyCodes } from '../support/orders';

/*
 * Rung 3: the inventory against the real FerretDB the global setup started. These prove the
 * design's rule that a unique index, not a conditional update, settles every race on the store.
 */

let config: Config;
let store: Store;
let vault: Vault;
let inventory: ReturnType<typeof inventoryActivities>;

beforeAll(async () => {
  config = testConfig();
  store = await openStore(config.mongodbUri);
  vault = new Vault(config.keyEncryptionKey);
  inventory = inventoryActivities({ store, vault, config, logger: createLogger('silent') });
});

afterAll(async () => {
  await store?.connection.dropDatabase().catch(() => undefined);
  await store?.close();
});

/** A sku and codes no other test in this file uses. */
function fresh(n: number, prefix = 'K'): { sku: string; codes: string[] } {
  return { sku: `sku-${randomBytes(4).toString('hex')}`, codes: keyCodes(n, prefix) };
}

function total(stock: Stock): number {
  return stock.available + stock.reserved + stock.delivered + stock.revoked + stock.invalid;
}

/** Every code stored for a sku, decrypted. */
async function storedCodes(sku: string): Promise<string[]> {
  const keys = await store.keys.find({ sku }).lean();
  return keys.map((k) => vault.open(k.code)).sort();
}

/** Reserve one key per new order until none is left; how many were taken. */
async function drain(sku: string): Promise<string[]> {
  const taken: string[] = [];
  for (let i = 0; ; i++) {
    const key = await inventory.reserveKey({ orderId: `drain-${sku}-${i}`, sku, slot: 0, attempt: 1 });
    if (!key) return taken;
    taken.push(key.keyId);
  }
}

describe('reserving keys', () => {
  it('gives each of 25 keys to exactly one of 40 racing orders', async () => {
    const { sku, codes } = fresh(25);
    expect(await importKeys(store, vault, sku, codes)).toEqual({ imported: 25, duplicates: 0, rejected: 0, details: [] });
    const keyIds = new Set((await store.keys.find({ sku }).lean()).map((k) => k._id));

    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => inventory.reserveKey({ orderId: `race-${i}`, sku, slot: 0, attempt: 1 })),
    );
    const won = results.flatMap((r, i) => (r ? [{ orderId: `race-${i}`, ...r }] : []));
    expect(won).toHaveLength(25);
    expect(results.filter((r) => r === null)).toHaveLength(15);
    expect(new Set(won.map((w) => w.keyId)).size).toBe(25);
    for (const w of won) expect(keyIds.has(w.keyId)).toBe(true);

    // The store agrees: one claim per key, each held by the order that was told it won.
    const claims = await store.claims.find({ sku }).lean();
    expect(claims).toHaveLength(25);
    expect(new Map(claims.map((c) => [c._id, c.orderId]))).toEqual(new Map(won.map((w) => [w.keyId, w.orderId])));
    const stock = await stockOf(store, sku);
    expect(stock).toEqual({ available: 0, reserved: 25, delivered: 0, revoked: 0, invalid: 0 });
    expect(total(stock)).toBe(codes.length);
  });

  it('shows only the masked key, matching the stored code', async () => {
    const { sku, codes } = fresh(1);
    await importKeys(store, vault, sku, codes);
    const key = await inventory.reserveKey({ orderId: 'masked-1', sku, slot: 0, attempt: 1 });
    expect(key!.masked).toMatch(/^\*+.{1,4}$/);
    expect(codes[0].endsWith(key!.masked.replace(/^\*+/, ''))).toBe(true);
    expect(JSON.stringify(key)).not.toContain(codes[0]);
  });

  it('answers a retry of the same order, slot and attempt with the same key, claiming nothing new', async () => {
    const { sku, codes } = fresh(10);
    await importKeys(store, vault, sku, codes);
    const claim = { orderId: 'retry-1', sku, slot: 0, attempt: 1 };
    const first = await inventory.reserveKey(claim);
    expect(first).not.toBeNull();
    expect(await inventory.reserveKey(claim)).toEqual(first);
    expect(await store.claims.countDocuments({ orderId: 'retry-1' })).toBe(1);

    // Another slot or another attempt of the same order is a new key.
    const slot1 = await inventory.reserveKey({ ...claim, slot: 1 });
    const attempt2 = await inventory.reserveKey({ ...claim, attempt: 2 });
    expect(new Set([first!.keyId, slot1!.keyId, attempt2!.keyId]).size).toBe(3);
    expect(await stockOf(store, sku)).toEqual({ available: 7, reserved: 3, delivered: 0, revoked: 0, invalid: 0 });
  });

  // A retry that loses the race on its own (order, slot, attempt) marks the free key it tried as
  // claimed; reservation clears such a hint before it answers that none is left.
  it('gives racing retries of one slot one key, and hides no other key from later orders', async () => {
    const { sku, codes } = fresh(20);
    await importKeys(store, vault, sku, codes);
    const claim = { orderId: 'retry-race', sku, slot: 0, attempt: 1 };
    const answers = await Promise.all(Array.from({ length: 8 }, () => inventory.reserveKey(claim)));
    expect(new Set(answers.map((a) => a?.keyId)).size).toBe(1);
    expect(answers[0]).not.toBeNull();
    expect(await store.claims.countDocuments({ sku })).toBe(1);
    expect(await stockOf(store, sku)).toMatchObject({ available: 19, reserved: 1 });

    // Every key the stock calls available can really be taken.
    const taken = await drain(sku);
    expect(taken).toHaveLength(19);
    expect(taken).not.toContain(answers[0]!.keyId);
    expect(await stockOf(store, sku)).toMatchObject({ available: 0, reserved: 20 });
  });

  it('never hides a key released while another order reaches for it', async () => {
    const hidden: number[] = [];
    for (let round = 0; round < 40; round++) {
      const { sku, codes } = fresh(1, 'REL');
      await importKeys(store, vault, sku, codes);
      expect(await inventory.reserveKey({ orderId: `holder-${round}`, sku, slot: 0, attempt: 1 })).not.toBeNull();

      const [, racer] = await Promise.all([
        inventory.releaseReservedKeys({ orderId: `holder-${round}` }),
        // Start the racer a store round trip or so behind the release, so the two overlap.
        new Promise((r) => setTimeout(r, round % 5)).then(() => inventory.reserveKey({ orderId: `racer-${round}`, sku, slot: 0, attempt: 1 })),
      ]);
      if (racer) continue; // the racer took it
      expect(await stockOf(store, sku)).toMatchObject({ available: 1, reserved: 0 });
      if (!(await inventory.reserveKey({ orderId: `later-${round}`, sku, slot: 0, attempt: 1 }))) hidden.push(round);
    }
    expect(hidden).toEqual([]);
  });

  it('reserves keys for several slots all or none, and a retry gets the same keys', async () => {
    const { sku, codes } = fresh(3, 'ALL');
    await importKeys(store, vault, sku, codes);
    const slots = [{ slot: 0, attempt: 1 }, { slot: 1, attempt: 1 }];
    const pair = await inventory.reserveKeys({ orderId: 'pair-a', sku, slots });
    expect(pair).toHaveLength(2);
    expect(await inventory.reserveKeys({ orderId: 'pair-a', sku, slots })).toEqual(pair);

    // One key left for an order of two: it takes none (after looking again while pair-a holds its own).
    expect(await inventory.reserveKeys({ orderId: 'pair-b', sku, slots })).toBeNull();
    expect(await store.claims.countDocuments({ orderId: 'pair-b' })).toBe(0);
    expect(await stockOf(store, sku)).toMatchObject({ available: 1, reserved: 2 });
    expect(await inventory.reserveKeys({ orderId: 'single-c', sku, slots: [{ slot: 0, attempt: 1 }] })).toHaveLength(1);
  });

  it('answers null when the sku has no keys at all', async () => {
    expect(await inventory.reserveKey({ orderId: 'none-1', sku: 'sku-without-keys', slot: 0, attempt: 1 })).toBeNull();
    expect(await store.claims.countDocuments({ orderId: 'none-1' })).toBe(0);
  });

  it('gives back reserved keys on release, keeping delivered ones', async () => {
    const { sku, codes } = fresh(3);
    await importKeys(store, vault, sku, codes);
    const orderId = 'release-1';
    const held = await Promise.all([0, 1, 2].map((slot) => inventory.reserveKey({ orderId, sku, slot, attempt: 1 })));
    expect(await inventory.reserveKey({ orderId: 'release-2', sku, slot: 0, attempt: 1 })).toBeNull();
    await inventory.markKeysDelivered({ orderId, keyIds: [held[0]!.keyId] });

    expect(await inventory.releaseReservedKeys({ orderId })).toBe(2);
    expect(await stockOf(store, sku)).toEqual({ available: 2, reserved: 0, delivered: 1, revoked: 0, invalid: 0 });
    // Released twice: nothing more to give back.
    expect(await inventory.releaseReservedKeys({ orderId })).toBe(0);

    // The released keys can be taken again, by anyone; the delivered one cannot.
    const again = await drain(sku);
    expect(again.sort()).toEqual([held[1]!.keyId, held[2]!.keyId].sort());
    expect(await stockOf(store, sku)).toEqual({ available: 0, reserved: 2, delivered: 1, revoked: 0, invalid: 0 });
  });
});

describe('claim states', () => {
  async function reservedKey(orderId: string): Promise<{ sku: string; keyId: string }> {
    const { sku, codes } = fresh(1);
    await importKeys(store, vault, sku, codes);
    const key = await inventory.reserveKey({ orderId, sku, slot: 0, attempt: 1 });
    return { sku, keyId: key!.keyId };
  }

  it('moves a key reserved → delivered → revoked, each step repeatable', async () => {
    const { sku, keyId } = await reservedKey('states-1');
    await inventory.markKeysDelivered({ orderId: 'states-1', keyIds: [keyId] });
    await inventory.markKeysDelivered({ orderId: 'states-1', keyIds: [keyId] });
    expect(await stockOf(store, sku)).toEqual({ available: 0, reserved: 0, delivered: 1, revoked: 0, invalid: 0 });
    await inventory.revokeKeys({ orderId: 'states-1', keyIds: [keyId] });
    await inventory.revokeKeys({ orderId: 'states-1', keyIds: [keyId] });
    expect(await stockOf(store, sku)).toEqual({ available: 0, reserved: 0, delivered: 0, revoked: 1, invalid: 0 });
    // A revoked key is never delivered again, nor released.
    await expect(inventory.markKeysDelivered({ orderId: 'states-1', keyIds: [keyId] })).rejects.toThrow(/revoked; it cannot become delivered/);
    expect(await inventory.releaseReservedKeys({ orderId: 'states-1' })).toBe(0);
    expect((await store.claims.findById(keyId).lean())!.state).toBe('revoked');
  });

  it('marks a reserved or a delivered key invalid, for good', async () => {
    const reserved = await reservedKey('invalid-1');
    await inventory.markKeyInvalid({ orderId: 'invalid-1', keyId: reserved.keyId });
    await inventory.markKeyInvalid({ orderId: 'invalid-1', keyId: reserved.keyId });
    expect(await stockOf(store, reserved.sku)).toEqual({ available: 0, reserved: 0, delivered: 0, revoked: 0, invalid: 1 });
    await expect(inventory.markKeysDelivered({ orderId: 'invalid-1', keyIds: [reserved.keyId] })).rejects.toThrow(/invalid; it cannot become delivered/);
    expect(await inventory.releaseReservedKeys({ orderId: 'invalid-1' })).toBe(0);
    expect(await inventory.reserveKey({ orderId: 'invalid-2', sku: reserved.sku, slot: 0, attempt: 1 })).toBeNull();

    const delivered = await reservedKey('invalid-3');
    await inventory.markKeysDelivered({ orderId: 'invalid-3', keyIds: [delivered.keyId] });
    await inventory.markKeyInvalid({ orderId: 'invalid-3', keyId: delivered.keyId });
    expect(await stockOf(store, delivered.sku)).toEqual({ available: 0, reserved: 0, delivered: 0, revoked: 0, invalid: 1 });
    await expect(inventory.revokeKeys({ orderId: 'invalid-3', keyIds: [delivered.keyId] })).rejects.toThrow(/invalid; it cannot become revoked/);
  });

  it('does not revoke a key that was never delivered', async () => {
    const { sku, keyId } = await reservedKey('revoke-1');
    await expect(inventory.revokeKeys({ orderId: 'revoke-1', keyIds: [keyId] })).rejects.toThrow(/reserved; it cannot become revoked/);
    expect(await stockOf(store, sku)).toMatchObject({ reserved: 1, revoked: 0 });
  });

  it('refuses every change to a key held by another order, or to no key at all', async () => {
    const { sku, keyId } = await reservedKey('owner-1');
    const thief = 'owner-2';
    await expect(inventory.markKeysDelivered({ orderId: thief, keyIds: [keyId] })).rejects.toThrow(/not held by order owner-2/);
    await expect(inventory.markKeyInvalid({ orderId: thief, keyId })).rejects.toThrow(/not held by order owner-2/);
    await inventory.markKeysDelivered({ orderId: 'owner-1', keyIds: [keyId] });
    await expect(inventory.revokeKeys({ orderId: thief, keyIds: [keyId] })).rejects.toThrow(/not held by order owner-2/);
    expect(await inventory.releaseReservedKeys({ orderId: thief })).toBe(0);
    const claim = await store.claims.findById(keyId).lean();
    expect(claim).toMatchObject({ orderId: 'owner-1', state: 'delivered' });
    expect(await stockOf(store, sku)).toEqual({ available: 0, reserved: 0, delivered: 1, revoked: 0, invalid: 0 });

    await expect(inventory.markKeysDelivered({ orderId: 'owner-1', keyIds: ['no-such-key'] })).rejects.toThrow(/not held/);
  });
});

describe('importing keys', () => {
  it('stores each code once when overlapping imports race, across products too', async () => {
    const { sku, codes } = fresh(100);
    const other = `${sku}-other`;
    const batches: [string, string[]][] = [
      [sku, codes.slice(0, 60)],
      [sku, codes.slice(30, 90)],
      [sku, codes.slice(0, 90)],
      [other, codes.slice(80, 100)],
      [other, codes.slice(85, 100)],
    ];
    const results = await Promise.all(batches.map(([s, c]) => importKeys(store, vault, s, c)));
    const submitted = batches.reduce((n, [, c]) => n + c.length, 0);
    expect(results.reduce((n, r) => n + r.imported, 0)).toBe(100);
    expect(results.reduce((n, r) => n + r.duplicates, 0)).toBe(submitted - 100);
    expect(results.every((r) => r.rejected === 0)).toBe(true);
    results.forEach((r, i) => expect(r.imported + r.duplicates).toBe(batches[i][1].length));

    // Each code is stored exactly once, under one product, and the counts say so.
    const stored = [...(await storedCodes(sku)), ...(await storedCodes(other))].sort();
    expect(stored).toEqual([...codes].sort());
    const [mine, theirs] = [await stockOf(store, sku), await stockOf(store, other)];
    expect(total(mine) + total(theirs)).toBe(100);
    expect(mine.available).toBeGreaterThanOrEqual(80);
    expect(theirs.available).toBeLessThanOrEqual(20);
    expect(new Set((await store.keys.find({ sku: { $in: [sku, other] } }).lean()).map((k) => k.fingerprint)).size).toBe(100);
  });

  it('counts a code already held by another product as a duplicate and leaves it there', async () => {
    const { sku, codes } = fresh(3);
    const second = `${sku}-second`;
    expect(await importKeys(store, vault, sku, codes)).toEqual({ imported: 3, duplicates: 0, rejected: 0, details: [] });
    expect(await importKeys(store, vault, second, [codes[1], ` ${codes[2]} `, `${codes[0]}-NEW`])).toEqual({
      imported: 1,
      duplicates: 2,
      rejected: 0,
      details: [
        { index: 0, key: maskCode(codes[1]), outcome: 'duplicate', reason: 'is already in inventory' },
        { index: 1, key: maskCode(codes[2]), outcome: 'duplicate', reason: 'is already in inventory' },
      ],
    });
    expect(await storedCodes(sku)).toEqual(codes);
    expect(await storedCodes(second)).toEqual([`${codes[0]}-NEW`]);
  });

  it('counts repeats within one import as duplicates', async () => {
    const { sku, codes } = fresh(2);
    expect(await importKeys(store, vault, sku, [codes[0], codes[1], codes[0], `  ${codes[1]}`])).toEqual({
      imported: 2,
      duplicates: 2,
      rejected: 0,
      details: [
        { index: 2, key: maskCode(codes[0]), outcome: 'duplicate', reason: 'appears earlier in this import' },
        { index: 3, key: maskCode(codes[1]), outcome: 'duplicate', reason: 'appears earlier in this import' },
      ],
    });
    expect(await storedCodes(sku)).toEqual(codes);
  });

  it("rejects codes that do not match the product's key pattern, and blank ones", async () => {
    const { sku, codes } = fresh(3, 'STEAM');
    const pattern = '^STEAM-[0-9A-F]{8}-\\d{4}$';
    const result = await importKeys(store, vault, sku, [...codes, 'steam-lowercase-0001', `${codes[0]}-extra`, '   ', 'XBOX-1234', ` ${codes[2]} `], pattern);
    const unlike = `does not match the product's keyPattern ${pattern}`;
    expect(result).toEqual({
      imported: 3,
      duplicates: 1,
      rejected: 4,
      details: [
        { index: 3, key: maskCode('steam-lowercase-0001'), outcome: 'rejected', reason: unlike },
        { index: 4, key: maskCode(`${codes[0]}-extra`), outcome: 'rejected', reason: unlike },
        { index: 5, key: '****', outcome: 'rejected', reason: 'is blank' },
        { index: 6, key: maskCode('XBOX-1234'), outcome: 'rejected', reason: unlike },
        { index: 7, key: maskCode(codes[2]), outcome: 'duplicate', reason: 'appears earlier in this import' },
      ],
    });
    expect(await storedCodes(sku)).toEqual(codes);
  });

  it('keeps codes sealed at rest, with only a mask in the clear', async () => {
    const { sku, codes } = fresh(2);
    await importKeys(store, vault, sku, codes);
    const raw = await store.connection.db!.collection('keys').find({ sku }).toArray();
    expect(raw).toHaveLength(2);
    const text = JSON.stringify(raw);
    for (const code of codes) {
      expect(text).not.toContain(code);
      expect(text).not.toContain(code.slice(0, -4));
    }
    for (const doc of raw) expect(doc.masked).toMatch(/^\*+.{1,4}$/);
  });
});

describe('the count a waiting order looks at', () => {
  it('finds a free key whose freeOf hint a collision left cleared, and puts the hint back', async () => {
    const { sku, codes } = fresh(2, 'HID');
    await importKeys(store, vault, sku, codes);
    // What a reservation colliding with a claim being released leaves: a free key hinted as taken.
    await store.keys.updateMany({ sku }, { $unset: { freeOf: 1 } });
    expect(await inventory.countAvailableKeys({ sku, upTo: 1 })).toBe(1);
    expect(await store.keys.countDocuments({ freeOf: sku })).toBe(2);
  });
});
