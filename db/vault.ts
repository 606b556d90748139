import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

/** An AES-256-GCM sealed value: what is stored instead of a key code or a buyer's email. */
export interface Sealed {
  iv: string;
  tag: string;
  data: string;
}

/**
 * The one place secrets are sealed and opened. Codes are decrypted only to hand them to the buyer
 * or the supplier's validity check; duplicates are found by a keyed fingerprint, never by decrypting.
 */
export class Vault {
  private readonly fingerprintKey: Buffer;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the encryption key must be 32 bytes');
    // A separate subkey, so a fingerprint reveals nothing about the encryption key.
    this.fingerprintKey = createHmac('sha256', key).update('kamiflow:key-fingerprint:v1').digest();
  }

  seal(plain: string): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  open(sealed: Sealed): string {
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
  }

  /** Same code → same fingerprint, across all products; a unique index on it rejects re-imports. */
  fingerprint(code: string): string {
    return createHmac('sha256', this.fingerprintKey).update(code.trim()).digest('hex');
  }
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
