import * as nodeCrypto from 'node:crypto';
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomFillSync,
  timingSafeEqual,
} from 'node:crypto';
import { CryptoError } from 'ts-mls/mlsError.js';

/** Hash functions the MLS cipher suites use, by their OpenSSL names. */
export const NODE_HASHES = ['sha256', 'sha384', 'sha512'] as const;
export type NodeHashName = (typeof NODE_HASHES)[number];

/** Output length in bytes of each hash (`Nh`). */
export const HASH_LENGTH: Readonly<Record<NodeHashName, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/** AEADs the MLS cipher suites use, by their OpenSSL names. */
export const NODE_AEADS = ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305'] as const;
export type NodeAeadName = (typeof NODE_AEADS)[number];

/** Key length (`Nk`) of each AEAD; all three use 12-byte nonces and 16-byte tags. */
export const AEAD_KEY_LENGTH: Readonly<Record<NodeAeadName, number>> = {
  'aes-128-gcm': 16,
  'aes-256-gcm': 32,
  'chacha20-poly1305': 32,
};
export const AEAD_NONCE_LENGTH = 12;
const AEAD_TAG_LENGTH = 16;

/**
 * A plain `Uint8Array` copy of `buf`. ts-mls zeroes and slices the arrays it receives; a Node
 * `Buffer` may share a pooled slab and its `slice()` does not copy, so nothing we hand back is a
 * `Buffer`.
 */
export function toBytes(buf: Uint8Array): Uint8Array {
  return new Uint8Array(buf);
}

/**
 * The first `length` bytes of `buf` as a plain `Uint8Array`, without a copy when `buf` is the
 * sole view of its memory. That is what OpenSSL results are: each comes in a fresh `ArrayBuffer`
 * of exactly its size, which nothing else references once the `Buffer` is dropped. Anything else
 * is copied, as by {@link toBytes}. Bytes past `length` stay behind the view: callers wipe them
 * when they are secret.
 */
export function ownBytes(buf: Uint8Array, length = buf.byteLength): Uint8Array {
  return buf.byteOffset === 0 && buf.buffer.byteLength === buf.byteLength
    ? new Uint8Array(buf.buffer, 0, length)
    : new Uint8Array(buf.subarray(0, length));
}

// One-shot hashing (Node ≥ 20.12) skips the Hash object: about 1.4 µs against 2.3 µs per call,
// and tree hashing makes thousands of calls.
const oneShotHash = (nodeCrypto as { hash?: (alg: string, data: Uint8Array, enc: 'buffer') => Buffer }).hash;

/** `Hash(data)`. */
export function digest(hash: NodeHashName, data: Uint8Array): Uint8Array {
  return ownBytes(
    oneShotHash !== undefined ? oneShotHash(hash, data, 'buffer') : createHash(hash).update(data).digest(),
  );
}

/** `HMAC(key, data)`. */
export function hmac(hash: NodeHashName, key: Uint8Array, data: Uint8Array): Uint8Array {
  return ownBytes(createHmac(hash, key).update(data).digest());
}

/** Constant-time comparison that is false (not an exception) when the lengths differ. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * HKDF-Extract (RFC 5869 §2.2). An empty salt is the same as `HashLen` zero bytes because HMAC
 * zero-pads its key, so no special case is needed.
 */
export function hkdfExtract(hash: NodeHashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmac(hash, salt, ikm);
}

const COUNTER_ONE = Uint8Array.of(1);

/** HKDF-Expand (RFC 5869 §2.3). */
export function hkdfExpand(
  hash: NodeHashName,
  prk: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  const hashLen = HASH_LENGTH[hash];
  // MLS almost always asks for at most one block: T(1) = HMAC(PRK, info || 0x01).
  if (length <= hashLen) {
    const t1 = createHmac(hash, prk).update(info).update(COUNTER_ONE).digest();
    // A shorter output (keys, nonces) is a view of T(1) too; the unused tail is wiped rather than
    // left behind the view.
    t1.fill(0, length);
    return ownBytes(t1, length);
  }
  if (length > 255 * hashLen) throw new CryptoError('HKDF-Expand: output too long');
  const out = new Uint8Array(length);
  let previous: Uint8Array = new Uint8Array(0);
  for (let counter = 1, filled = 0; filled < length; counter++, filled += hashLen) {
    previous = createHmac(hash, prk).update(previous).update(info).update(Uint8Array.of(counter)).digest();
    out.set(previous.subarray(0, Math.min(hashLen, length - filled)), filled);
  }
  return out;
}

/** AEAD seal: returns `ciphertext || tag`. */
export function aeadSeal(
  aead: NodeAeadName,
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  const cipher =
    aead === 'chacha20-poly1305'
      ? createCipheriv(aead, key, nonce, { authTagLength: AEAD_TAG_LENGTH })
      : createCipheriv(aead, key, nonce);
  if (aad.length > 0) cipher.setAAD(aad);
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  const tag = cipher.getAuthTag();
  const out = new Uint8Array(head.length + tail.length + tag.length);
  out.set(head, 0);
  out.set(tail, head.length);
  out.set(tag, head.length + tail.length);
  return out;
}

/** AEAD open of `ciphertext || tag`; throws ts-mls's `CryptoError` when authentication fails. */
export function aeadOpen(
  aead: NodeAeadName,
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array {
  if (ciphertext.length < AEAD_TAG_LENGTH) throw new CryptoError('AEAD ciphertext shorter than its tag');
  const body = ciphertext.subarray(0, ciphertext.length - AEAD_TAG_LENGTH);
  const tag = ciphertext.subarray(ciphertext.length - AEAD_TAG_LENGTH);
  try {
    const decipher =
      aead === 'chacha20-poly1305'
        ? createDecipheriv(aead, key, nonce, { authTagLength: AEAD_TAG_LENGTH })
        : createDecipheriv(aead, key, nonce);
    decipher.setAuthTag(tag);
    if (aad.length > 0) decipher.setAAD(aad);
    const head = decipher.update(body);
    const tail = decipher.final();
    // GCM and ChaCha20-Poly1305 are stream modes: final() authenticates and adds nothing.
    if (tail.length === 0) return ownBytes(head);
    const out = new Uint8Array(head.length + tail.length);
    out.set(head, 0);
    out.set(tail, head.length);
    return out;
  } catch (err) {
    throw new CryptoError(`AEAD open failed: ${(err as Error).message}`);
  }
}

// Small requests (reuse guards, nonces, ids) come from a pool refilled 4 KiB at a time: one
// OpenSSL RAND call per request costs ~10 µs in Node, more than the AEAD they feed. Handed-out
// bytes are wiped from the pool.
const POOL_SIZE = 4096;
const SMALL = 64;
const pool = new Uint8Array(POOL_SIZE);
let poolOffset = POOL_SIZE;

/** `n` bytes from the operating system's CSPRNG (OpenSSL's `RAND_bytes`). */
export function randomBytes(n: number): Uint8Array {
  if (n > SMALL) return randomFillSync(new Uint8Array(n));
  if (poolOffset + n > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = pool.slice(poolOffset, poolOffset + n);
  pool.fill(0, poolOffset, poolOffset + n);
  poolOffset += n;
  return out;
}
