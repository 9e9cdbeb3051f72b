import { createCipheriv, createDecipheriv } from 'node:crypto';
import { randomBytesPooled } from './random-pool.ts';

/**
 * Seals small values at rest (message content until it is delivered, webhook signing
 * secrets) with AES-256-GCM under the gateway's master key. The associated data binds a sealed
 * value to the row it belongs to, so a value copied to another row does not open.
 *
 * This protects database dumps and backups, not a running gateway that holds the key; content
 * that must stay unreadable to the gateway itself goes through the e2ee channel or the sealed
 * journal instead.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new RangeError('the master key must be 32 bytes');
    this.#key = Buffer.from(key);
  }

  seal(plaintext: string, aad: string): string {
    const iv = randomBytesPooled(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(aad));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `v1.${iv.toString('base64url')}.${ct.toString('base64url')}`;
  }

  open(sealed: string, aad: string): string {
    const [version, ivText, ctText] = sealed.split('.');
    if (version !== 'v1' || !ivText || !ctText) throw new Error('not a sealed value');
    const ct = Buffer.from(ctText, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(ivText, 'base64url'));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(ct.subarray(ct.length - 16));
    return Buffer.concat([decipher.update(ct.subarray(0, ct.length - 16)), decipher.final()]).toString(
      'utf8',
    );
  }
}
