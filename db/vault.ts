import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * An AES-256-GCM sealed value: what is stored instead of a key code or a buyer's email. `kid` names
 * the encryption key it was sealed under, `salt` the per-value subkey drawn from it; values sealed
 * before either existed have neither and open under whichever key of the ring fits.
 */
export interface Sealed {
  kid?: string;
  salt?: string;
  iv: string;
  tag: string;
  data: string;
}

const SEAL_INFO = 'kamiflow:seal:v2';

/**
 * The one place secrets are sealed and opened. Codes are decrypted only to hand them to the buyer
 * or the supplier's validity check; duplicates are found by a keyed fingerprint, never by decrypting.
 *
 * Nonces are never reused under one key: every value gets its own subkey (HMAC-SHA256 of a random
 * 128-bit salt) and a random 96-bit iv under it, so even billions of seals stay far below GCM's
 * collision bound. Keys rotate: values sealed under an older key (`KEY_ENCRYPTION_KEYS_OLD`) still
 * open, new ones use the current key, and `scripts/rotate-keys.ts` re-seals the old ones.
 */
export class Vault {
  /** The current key's id; stored beside each value sealed under it. */
  readonly kid: string;
  private readonly ring: Map<string, Buffer>;
  private readonly fingerprintKeys: Buffer[];
  private readonly lookupKeys: Buffer[];

  constructor(
    private readonly key: Buffer,
    oldKeys: Buffer[] = [],
  ) {
    for (const k of [key, ...oldKeys]) if (k.length !== 32) throw new Error('the encryption key must be 32 bytes');
    this.kid = keyId(key);
    this.ring = new Map([key, ...oldKeys].map((k) => [keyId(k), k]));
    // Separate subkeys, so a fingerprint reveals nothing about the encryption key.
    this.fingerprintKeys = [...this.ring.values()].map((k) => createHmac('sha256', k).update('kamiflow:key-fingerprint:v1').digest());
    this.lookupKeys = [...this.ring.values()].map((k) => createHmac('sha256', k).update('kamiflow:email-lookup:v1').digest());
  }

  seal(plain: string): Sealed {
    const salt = randomBytes(16);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', subkey(this.key, salt), iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return {
      kid: this.kid,
      salt: salt.toString('base64'),
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
  }

  open(sealed: Sealed): string {
    if (sealed.kid !== undefined) {
      const key = this.ring.get(sealed.kid);
      if (!key) throw new Error(`the value was sealed under key ${sealed.kid}, which is not configured (KEY_ENCRYPTION_KEY or KEY_ENCRYPTION_KEYS_OLD)`);
      return decrypt(sealed.salt === undefined ? key : subkey(key, Buffer.from(sealed.salt, 'base64')), sealed);
    }
    // Sealed before key ids: the authentication tag tells which key of the ring it was.
    let last: unknown;
    for (const key of this.ring.values()) {
      try {
        return decrypt(key, sealed);
      } catch (err) {
        last = err;
      }
    }
    throw last;
  }

  /** Whether a value is sealed under an older key (or the old format) and should be re-sealed. */
  isStale(sealed: Sealed): boolean {
    return sealed.kid !== this.kid || sealed.salt === undefined;
  }

  /** Same code → same fingerprint, across all products; a unique index on it rejects re-imports. */
  fingerprint(code: string): string {
    return fingerprintUnder(this.fingerprintKeys[0], code);
  }

  /**
   * A buyer's email as a keyed hash, for finding their orders without keeping the email in clear
   * (case and surrounding spaces do not count). `lookupHashes` gives it under every key of the
   * ring: until the rotation job has re-hashed them, older orders carry an older key's hash.
   */
  lookupHash(email: string): string {
    return this.lookupHashes(email)[0];
  }

  lookupHashes(email: string): string[] {
    const normal = email.trim().toLowerCase();
    return this.lookupKeys.map((k) => createHmac('sha256', k).update(normal).digest('hex'));
  }

  /**
   * The code's fingerprints under the older keys of the ring: until the rotation job has re-keyed
   * every code, a code imported before the rotation carries one of these.
   */
  olderFingerprints(code: string): string[] {
    return this.fingerprintKeys.slice(1).map((k) => fingerprintUnder(k, code));
  }
}

/** A key's public name: a hash prefix, which tells nothing about the key. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('kamiflow:key-id:v1').update(key).digest('hex').slice(0, 12);
}

/** HMAC-SHA256 as the PRF (HKDF's own extract step): a fresh 256-bit key per salt, in microseconds. */
function subkey(key: Buffer, salt: Buffer): Buffer {
  return createHmac('sha256', key).update(SEAL_INFO).update(salt).digest();
}

function decrypt(key: Buffer, sealed: Sealed): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
}

function fingerprintUnder(key: Buffer, code: string): string {
  return createHmac('sha256', key).update(code.trim()).digest('hex');
}

/** Order tokens are stored hashed: a leaked database does not open anyone's order. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newSecretToken(): string {
  return randomBytes(24).toString('base64url');
}

export function newId(): string {
  return randomBytes(12).toString('base64url').replace(/[-_]/g, (c) => (c === '-' ? 'x' : 'y'));
}
