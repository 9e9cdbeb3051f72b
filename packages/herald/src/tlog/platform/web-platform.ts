// The tlog primitives for browsers (see tlog-platform.ts): @noble/hashes and @noble/curves, which
// are synchronous like tree hashing and note verification need (WebCrypto's digest and Ed25519
// are async), WebCrypto's generator for randomness, and a base64 codec without Buffer.
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import type { Ed25519Signer, TlogPlatform } from './tlog-platform.ts';

/** See {@link TlogPlatform.sha256}. */
export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

/**
 * See {@link TlogPlatform.ed25519Verifier}. `zip215: false` gives RFC 8032's strict checks (a
 * non-canonical S or point is refused), the same answers as OpenSSL on the server.
 */
export function ed25519Verifier(
  publicKey: Uint8Array,
): (message: Uint8Array, signature: Uint8Array) => boolean {
  const key = Uint8Array.from(publicKey);
  return (message, signature) => {
    try {
      return ed25519.verify(signature, message, key, { zip215: false });
    } catch {
      return false;
    }
  };
}

/** See {@link TlogPlatform.ed25519Signer}. */
export function ed25519Signer(seed: Uint8Array): Ed25519Signer {
  const secret = Uint8Array.from(seed);
  return {
    publicKey: ed25519.getPublicKey(secret),
    sign: (message) => ed25519.sign(message, secret),
  };
}

/** See {@link TlogPlatform.randomBytes}. */
export function randomBytes(length: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUES = new Map([...ALPHABET].map((c, i) => [c, i]));

/** See {@link TlogPlatform.toBase64}. */
export function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!;
    out += i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63]! : '=';
    out += i + 2 < bytes.length ? ALPHABET[n & 63]! : '=';
  }
  return out;
}

/** See {@link TlogPlatform.fromBase64}: characters outside the alphabet (padding) end the data. */
export function fromBase64(text: string): Uint8Array {
  let end = text.length;
  while (end > 0 && text[end - 1] === '=') end--;
  const out = new Uint8Array(Math.floor((end * 6) / 8));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    acc = ((acc << 6) | (VALUES.get(text[i]!) ?? 0)) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

export const webPlatform: TlogPlatform = {
  sha256,
  ed25519Verifier,
  ed25519Signer,
  randomBytes,
  toBase64,
  fromBase64,
};
