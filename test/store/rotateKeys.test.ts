import { execFile } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { importKeys } from '../../db/inventory';
import { rotateKeys } from '../../db/rotation';
import { openStore, type Store } from '../../db/store';
import { Vault, type Sealed } from '../../db/vault';
import { testEnv } from '../support/harness';
import { keyCodes } from '../support/orders';

/*
 * KEY_ENCRYPTION_KEY rotation against the real store: values sealed under an old key (and in the
 * format from before key ids) keep opening while the old key is configured, an old code is still a
 * duplicate, and scripts/rotate-keys.ts re-seals everything under the new key.
 */

const ROOT = resolve(__dirname, '../..');
const oldKey = randomBytes(32);
const newKey = randomBytes(32);
const env = testEnv({ KEY_ENCRYPTION_KEY: newKey.toString('hex'), KEY_ENCRYPTION_KEYS_OLD: oldKey.toString('base64') });
let store: Store;

beforeAll(async () => {
  store = await openStore(env.MONGODB_URI);
});
afterAll(async () => {
  await store?.connection.dropDatabase().catch(() => undefined);
  await store?.close();
});

/** How values were sealed before key ids and per-value subkeys: AES-256-GCM under the key itself. */
function legacySeal(key: Buffer, plain: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

it('keeps old codes opening and counted as duplicates, then re-seals everything under the new key', async () => {
  const before = new Vault(oldKey);
  const codes = keyCodes(4, 'ROT');
  await importKeys(store, before, 'rot-card', codes.slice(0, 3));
  // One key in the format from before key ids.
  await store.keys.create({ _id: 'legacy-key', sku: 'rot-card', fingerprint: before.fingerprint(codes[3]), code: legacySeal(oldKey, codes[3]), masked: '****0004', importedAt: new Date(), freeOf: 'rot-card' });
  await store.orderAccess.create({ _id: 'rot-order', tokenHash: 'x', email: legacySeal(oldKey, 'alice@example.com'), storefront: 'dev-shop', createdAt: new Date() });
  await store.idempotency.create({ _id: 'dev-shop:cart', requestHash: 'h', orderId: 'rot-order', token: before.seal('the-order-token'), createdAt: new Date() });

  // After the deploy: the new key is current, the old one still configured.
  const ring = new Vault(newKey, [oldKey]);
  const keys = await store.keys.find({ sku: 'rot-card' }).sort({ _id: 1 }).lean();
  expect(keys.map((k) => ring.open(k.code)).sort()).toEqual([...codes].sort());
  expect(ring.open((await store.orderAccess.findById('rot-order').lean())!.email)).toBe('alice@example.com');
  const again = await importKeys(store, ring, 'rot-card', [codes[0], codes[3]]);
  expect(again).toMatchObject({ imported: 0, duplicates: 2 });
  // New values are sealed under the new key, each under its own subkey.
  expect(ring.seal('x')).toMatchObject({ kid: ring.kid, salt: expect.any(String) });

  const run = await promisify(execFile)('npx', ['tsx', 'scripts/rotate-keys.ts'], { cwd: ROOT, env: { ...process.env, ...env } });
  expect(run.stdout).toContain(`re-sealed under key ${ring.kid}: 4 key codes, 1 buyer emails, 1 idempotency tokens`);

  // The old key can go now.
  const only = new Vault(newKey);
  const rotated = await store.keys.find({ sku: 'rot-card' }).lean();
  expect(rotated.map((k) => only.open(k.code)).sort()).toEqual([...codes].sort());
  for (const k of rotated) {
    expect(k.code.kid).toBe(only.kid);
    expect(k.fingerprint).toBe(only.fingerprint(only.open(k.code)));
  }
  const access = (await store.orderAccess.findById('rot-order').lean())!;
  expect(only.open(access.email)).toBe('alice@example.com');
  // The order list finds the buyer by the hash under the new key.
  expect(access.emailHash).toBe(only.lookupHash('Alice@example.com'));
  expect(only.open((await store.idempotency.findById('dev-shop:cart').lean())!.token)).toBe('the-order-token');
  expect(await importKeys(store, only, 'rot-card', codes)).toMatchObject({ imported: 0, duplicates: 4 });
  // Nothing left to do the second time.
  expect(await rotateKeys(store, ring)).toEqual({ keys: 0, orderAccess: 0, idempotency: 0 });
});
