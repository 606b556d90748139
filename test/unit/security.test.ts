import { createHmac, randomBytes } from 'node:crypto';
import { sign, verifySignature } from '../../security/signature';
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
