import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { ConfigError, loadConfig } from '../../config';
import { createLogger } from '../../config/logger';
import { Webhook } from 'standardwebhooks';
import { checkSignature, sign, verifySignature } from '../../security/signature';
import { asWhsec, checkStandardSignature, signingKey, standardWebhookHeaders, whsecProblem } from '../../security/standardWebhooks';
import { Vault, hashToken, newId, newSecretToken } from '../../db/vault';

describe('webhook signatures', () => {
  const secret = 'test-webhook-secret-0123456789';
  const body = Buffer.from(JSON.stringify({ eventId: 'evt-1', orderId: 'o1', status: 'succeeded' }));

  it('is sha256=<hex HMAC-SHA256 of the raw body>', () => {
    const hex = createHmac('sha256', secret).update(body).digest('hex');
    expect(sign(body, secret)).toBe(`sha256=${hex}`);
    expect(sign(body.toString('utf8'), secret)).toBe(`sha256=${hex}`);
  });

  it('accepts the right signature', () => {
    expect(verifySignature(body, sign(body, secret), secret)).toBe(true);
    expect(verifySignature(body, ` ${sign(body, secret)} `, secret)).toBe(true);
  });

  it('rejects a tampered body', () => {
    const tampered = Buffer.from(body.toString('utf8').replace('succeeded', 'succeedeD'));
    expect(verifySignature(tampered, sign(body, secret), secret)).toBe(false);
    expect(verifySignature(Buffer.concat([body, Buffer.from(' ')]), sign(body, secret), secret)).toBe(false);
  });

  it('rejects a signature made with another secret', () => {
    expect(verifySignature(body, sign(body, 'another-secret-0123456789'), secret)).toBe(false);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['without the scheme', createHmac('sha256', secret).update(body).digest('hex')],
    ['with another scheme', `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`],
    ['in base64', `sha256=${createHmac('sha256', secret).update(body).digest('base64')}`],
    ['truncated', sign(body, secret).slice(0, -1)],
    ['not hex', `sha256=${'z'.repeat(64)}`],
    ['upper-cased', sign(body, secret).toUpperCase()],
  ])('rejects a signature %s', (_what, header) => {
    expect(verifySignature(body, header, secret)).toBe(false);
  });
});

describe('the vault', () => {
  const vault = new Vault(randomBytes(32));

  it('opens what it sealed', () => {
    for (const plain of ['STEAM-AAAA-1111-ZZ01', '', 'алиса@пример.рф', '卡密-0001', 'x'.repeat(5000)]) {
      expect(vault.open(vault.seal(plain))).toBe(plain);
    }
  });

  it('seals the same text differently each time, never in the clear', () => {
    const a = vault.seal('STEAM-AAAA-1111-ZZ01');
    const b = vault.seal('STEAM-AAAA-1111-ZZ01');
    expect(a.iv).not.toBe(b.iv);
    expect(a.data).not.toBe(b.data);
    expect(Buffer.from(a.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(a.tag, 'base64')).toHaveLength(16);
    expect(JSON.stringify(a)).not.toContain('STEAM');
    expect(Buffer.from(a.data, 'base64').toString('utf8')).not.toContain('STEAM');
  });

  it('detects tampering with the data, the tag or the iv', () => {
    const sealed = vault.seal('STEAM-AAAA-1111-ZZ01');
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[0] ^= 0x01;
      return bytes.toString('base64');
    };
    expect(() => vault.open({ ...sealed, data: flip(sealed.data) })).toThrow();
    expect(() => vault.open({ ...sealed, tag: flip(sealed.tag) })).toThrow();
    expect(() => vault.open({ ...sealed, iv: flip(sealed.iv) })).toThrow();
    expect(vault.open(sealed)).toBe('STEAM-AAAA-1111-ZZ01');
  });

  it('opens nothing sealed under another key', () => {
    const sealed = new Vault(randomBytes(32)).seal('STEAM-AAAA-1111-ZZ01');
    expect(() => vault.open(sealed)).toThrow();
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new Vault(randomBytes(16))).toThrow(/32 bytes/);
    expect(() => new Vault(Buffer.alloc(0))).toThrow(/32 bytes/);
  });

  it('fingerprints a code stably, keyed, and without revealing it', () => {
    const key = randomBytes(32);
    const one = new Vault(key);
    const same = new Vault(Buffer.from(key));
    const other = new Vault(randomBytes(32));
    const code = 'STEAM-AAAA-1111-ZZ01';
    expect(one.fingerprint(code)).toMatch(/^[0-9a-f]{64}$/);
    expect(one.fingerprint(code)).toBe(same.fingerprint(code));
    expect(one.fingerprint(` ${code}\n`)).toBe(one.fingerprint(code));
    expect(one.fingerprint(code)).not.toBe(one.fingerprint('STEAM-AAAA-1111-ZZ02'));
    expect(one.fingerprint(code)).not.toBe(other.fingerprint(code));
    // Not a plain hash of the code, nor an HMAC under the encryption key itself.
    expect(one.fingerprint(code)).not.toBe(hashToken(code));
    expect(one.fingerprint(code)).not.toBe(createHmac('sha256', key).update(code).digest('hex'));
  });
});

describe('tokens and ids', () => {
  it('hashes a token, one way and stable', () => {
    const token = newSecretToken();
    expect(hashToken(token)).toBe(hashToken(token));
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(token)).not.toContain(token);
  });

  it('makes unguessable tokens and ids, safe in a URL', () => {
    const tokens = new Set(Array.from({ length: 1000 }, newSecretToken));
    const ids = new Set(Array.from({ length: 1000 }, newId));
    expect(tokens.size).toBe(1000);
    expect(ids.size).toBe(1000);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]{32}$/);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9]{16}$/);
  });
});

describe('signature refusals', () => {
  const secret = 'test-webhook-secret-0123456789';
  const body = Buffer.from('{"eventId":"evt-1"}');

  it('tells a missing header, a malformed one and a wrong secret apart', () => {
    expect(checkSignature(body, undefined, secret)).toBe('missing');
    expect(checkSignature(body, '  ', secret)).toBe('missing');
    expect(checkSignature(body, sign(body, secret).slice('sha256='.length), secret)).toBe('malformed');
    expect(checkSignature(body, sign(body, secret).toUpperCase(), secret)).toBe('malformed');
    expect(checkSignature(body, sign(body, 'another-secret-0123456789'), secret)).toBe('mismatch');
    expect(checkSignature(body, sign(body, secret), secret)).toBe('ok');
  });
});

describe('Standard Webhooks signatures', () => {
  const body = '{"eventId":"evt-1","type":"order.paid"}';
  const plain = 'test-webhook-secret-0123456789';
  const whsec = `whsec_${randomBytes(24).toString('base64')}`;
  const at = new Date('2026-11-30T12:00:00.250Z');

  it('keys a whsec_ secret by its base64 part and any other by its UTF-8 bytes', () => {
    expect(signingKey(whsec)).toEqual(Buffer.from(whsec.slice('whsec_'.length), 'base64'));
    expect(signingKey(plain)).toEqual(Buffer.from(plain, 'utf8'));
    expect(asWhsec(plain)).toBe(`whsec_${Buffer.from(plain, 'utf8').toString('base64')}`);
    expect(asWhsec(whsec)).toBe(whsec);
    expect(whsecProblem(whsec)).toBeUndefined();
    expect(whsecProblem(plain)).toBeUndefined();
    expect(whsecProblem('whsec_!!!!')).toMatch(/base64/);
    expect(whsecProblem('whsec_AAAA')).toMatch(/at least 16 bytes/);
  });

  it('signs v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">, as the library verifies', () => {
    for (const secret of [plain, whsec]) {
      const headers = standardWebhookHeaders('evt-1', body, secret, at);
      const expected = createHmac('sha256', signingKey(secret)).update(`evt-1.${Math.floor(at.getTime() / 1000)}.${body}`).digest('base64');
      expect(headers).toEqual({ 'webhook-id': 'evt-1', 'webhook-timestamp': '1796040000', 'webhook-signature': `v1,${expected}` });
      const now = standardWebhookHeaders('evt-1', body, secret);
      expect(new Webhook(asWhsec(secret)).verify(body, now)).toEqual(JSON.parse(body));
    }
  });

  it('tells incomplete headers, a timestamp that is not unix seconds, a stale one and a wrong signature apart', () => {
    const raw = Buffer.from(body);
    const nowMs = at.getTime();
    const h = standardWebhookHeaders('evt-1', body, whsec, at);
    const presented = { id: h['webhook-id'], timestamp: h['webhook-timestamp'], signature: h['webhook-signature'] };
    expect(checkStandardSignature(raw, presented, whsec, nowMs)).toBe('ok');
    // The standard lets a receiver rotate secrets: any one of several signatures may match.
    expect(checkStandardSignature(raw, { ...presented, signature: `v1,AAAA ${presented.signature}` }, whsec, nowMs)).toBe('ok');
    expect(checkStandardSignature(raw, { ...presented, signature: undefined }, whsec, nowMs)).toBe('incomplete');
    expect(checkStandardSignature(raw, { ...presented, timestamp: '1796040000.5' }, whsec, nowMs)).toBe('bad_timestamp');
    expect(checkStandardSignature(raw, presented, whsec, nowMs + 301_000)).toBe('stale');
    expect(checkStandardSignature(raw, presented, whsec, nowMs - 301_000)).toBe('stale');
    expect(checkStandardSignature(Buffer.from(body.replace('paid', 'lost')), presented, whsec, nowMs)).toBe('mismatch');
    expect(checkStandardSignature(raw, presented, plain, nowMs)).toBe('mismatch');
    expect(checkStandardSignature(raw, { ...presented, signature: `v1,${'é'.repeat(43)}=` }, whsec, nowMs)).toBe('mismatch');
  });
});

describe('key rotation and nonces', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  it('opens values sealed under an old key while it is configured, and seals new ones under the current key', () => {
    const sealedOld = new Vault(oldKey).seal('STEAM-OLD-0001');
    const ring = new Vault(newKey, [oldKey]);
    expect(ring.open(sealedOld)).toBe('STEAM-OLD-0001');
    expect(ring.isStale(sealedOld)).toBe(true);
    const sealedNew = ring.seal('STEAM-NEW-0001');
    expect(sealedNew.kid).toBe(new Vault(newKey).kid);
    expect(ring.isStale(sealedNew)).toBe(false);
    expect(new Vault(newKey).open(sealedNew)).toBe('STEAM-NEW-0001');
    expect(() => new Vault(newKey).open(sealedOld)).toThrow(/not configured/);
    // A code's fingerprint under the old key is still known, for duplicates across the rotation.
    expect(ring.olderFingerprints('STEAM-OLD-0001')).toEqual([new Vault(oldKey).fingerprint('STEAM-OLD-0001')]);
    expect(ring.kid).not.toContain(newKey.toString('hex').slice(0, 12));
  });

  it('never encrypts two values under the same key and nonce: each gets its own subkey and iv', () => {
    const vault = new Vault(randomBytes(32));
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const sealed = vault.seal('same text');
      expect(Buffer.from(sealed.salt!, 'base64')).toHaveLength(16);
      seen.add(`${sealed.salt}/${sealed.iv}`);
    }
    expect(seen.size).toBe(20_000);
    // The per-value subkey is not the key itself: the value does not open as a plain GCM seal under it.
    const sealed = vault.seal('STEAM-AAAA-1111-ZZ01');
    expect(() => new Vault(randomBytes(32)).open({ ...sealed, kid: undefined, salt: undefined })).toThrow();
  });
});

describe('config dumps', () => {
  it('show no secret when logged, serialised or inspected', () => {
    const secrets = {
      API_KEYS: 'admin:root:admin-secret-value-1,storefront:shop:shop-secret-value-2',
      PAYMENT_WEBHOOK_SECRET: 'webhook-secret-value-3',
      KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      KEY_ENCRYPTION_KEYS_OLD: randomBytes(32).toString('hex'),
      STOREFRONT_WEBHOOK_URL: 'https://hooks.example.com/in?token=hook-token-value-4',
      STOREFRONT_WEBHOOK_SECRET: 'storefront-secret-value-5',
      MONGODB_URI: 'mongodb://kami:db-password-value-6@db.example.com:27017/kamiflow',
    };
    const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'kamiflow-sec-')), ...secrets });
    const lines: string[] = [];
    const logger = createLogger('info', new Writable({ write: (chunk, _e, done) => (lines.push(chunk.toString()), done()) }));
    logger.info({ config }, 'started');
    const dumps = [JSON.stringify(config), inspect(config, { depth: 10 }), ...lines];
    for (const dump of dumps) {
      for (const value of ['admin-secret-value-1', 'shop-secret-value-2', 'webhook-secret-value-3', secrets.KEY_ENCRYPTION_KEY, secrets.KEY_ENCRYPTION_KEYS_OLD, 'hook-token-value-4', 'storefront-secret-value-5', 'db-password-value-6']) {
        expect(dump).not.toContain(value);
      }
      expect(dump).toContain('[redacted]');
    }
    expect(JSON.parse(JSON.stringify(config))).toMatchObject({ apiKeys: [{ role: 'admin', name: 'root' }, { role: 'storefront', name: 'shop' }], mongodbUri: 'mongodb://kami:[redacted]@db.example.com:27017/kamiflow' });
    // The config itself still carries them for the code that needs them.
    expect(config.paymentWebhookSecret).toBe('webhook-secret-value-3');
  });

  it('names a bad secret without echoing it', () => {
    for (const env of [{ KEY_ENCRYPTION_KEY: 'short-secret-xyz' }, { KEY_ENCRYPTION_KEYS_OLD: 'short-secret-xyz' }, { API_KEYS: 'admin:root:short-secret-xyz,boss:x:short-secret-xyz' }]) {
      expect(() => loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'kamiflow-sec-')), ...env })).toThrow(ConfigError);
      try {
        loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'kamiflow-sec-')), ...env });
      } catch (err) {
        expect((err as Error).message).toContain(Object.keys(env)[0]);
        expect((err as Error).message).not.toContain('short-secret-xyz');
      }
    }
  });
});
