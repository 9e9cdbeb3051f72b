// The tlog primitives on node:crypto and Buffer: what the server runs (see tlog-platform.ts).
import * as crypto from 'node:crypto';
import type { Ed25519Signer, TlogPlatform } from './tlog-platform.ts';

// RFC 8410 DER prefixes that wrap a raw 32-byte Ed25519 seed (PKCS #8) or public key (SPKI).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

// `crypto.hash` (Node >= 20.12) is a one-shot digest about twice as fast as `createHash` for
// inputs this small; fall back for older Node 20 releases.
const digest: (data: Uint8Array) => Buffer =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'buffer')
    : (data) => crypto.createHash('sha256').update(data).digest();

/** SHA-256 as a plain Uint8Array view, so every hash tlog hands out has the same type. */
export function sha256(data: Uint8Array): Uint8Array {
  const b = digest(data);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function publicKeyObject(raw: Uint8Array): crypto.KeyObject {
  return crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** See {@link TlogPlatform.ed25519Verifier}: the key object is built once per key. */
export function ed25519Verifier(
  publicKey: Uint8Array,
): (message: Uint8Array, signature: Uint8Array) => boolean {
  const key = publicKeyObject(publicKey);
  return (message, signature) => {
    try {
      return crypto.verify(null, message, key, signature);
    } catch {
      return false;
    }
  };
}

/** See {@link TlogPlatform.ed25519Signer}. */
export function ed25519Signer(seed: Uint8Array): Ed25519Signer {
  const key = crypto.createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = crypto.createPublicKey(key).export({ format: 'der', type: 'spki' });
  const publicKey = Uint8Array.from(spki.subarray(SPKI_PREFIX.length));
  // Ed25519 (RFC 8032) is deterministic: the same key and message give the same signature.
  return { publicKey, sign: (message) => new Uint8Array(crypto.sign(null, message, key)) };
}

/** See {@link TlogPlatform.randomBytes}. */
export function randomBytes(length: number): Uint8Array {
  return new Uint8Array(crypto.randomBytes(length));
}

/** See {@link TlogPlatform.toBase64}. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** See {@link TlogPlatform.fromBase64}. */
export function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'base64'));
}

export const nodePlatform: TlogPlatform = {
  sha256,
  ed25519Verifier,
  ed25519Signer,
  randomBytes,
  toBase64,
  fromBase64,
};
