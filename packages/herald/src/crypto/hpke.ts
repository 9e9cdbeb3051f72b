// HPKE (RFC 9180), base mode, single shot, for one suite:
// DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-128-GCM  (kem 0x0020, kdf 0x0001, aead 0x0001).
// Built on node:crypto (OpenSSL) only. The journal seals each record's data key with it.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';

const KEM_ID = 0x0020;
const KDF_ID = 0x0001;
const AEAD_ID = 0x0001;
/** Sizes of this suite (RFC 9180 §7.1 Nsecret/Nenc/Npk, §7.3 Nk/Nn/Nt). */
export const HPKE_ENC_SIZE = 32;
export const HPKE_TAG_SIZE = 16;
const N_SECRET = 32;
const N_K = 16;
const N_N = 12;

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
const i2osp2 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const EMPTY = Buffer.alloc(0);
const HPKE_V1 = utf8('HPKE-v1');
// RFC 9180 §4.1: suite_id of the KEM alone, and §5.1: of the whole HPKE suite.
const KEM_SUITE = Buffer.concat([utf8('KEM'), i2osp2(KEM_ID)]);
const HPKE_SUITE = Buffer.concat([utf8('HPKE'), i2osp2(KEM_ID), i2osp2(KDF_ID), i2osp2(AEAD_ID)]);
// The DER wrapper around a raw X25519 private key (RFC 8410), so node:crypto can import it.
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');

function extract(salt: Uint8Array, ikm: Uint8Array): Buffer {
  return createHmac('sha256', salt).update(ikm).digest();
}

function expand(prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  // RFC 5869 §2.3; HPKE never asks for more than 255 blocks.
  const out: Buffer[] = [];
  let t: Buffer = EMPTY;
  for (let i = 1, have = 0; have < length; i++, have += 32) {
    t = createHmac('sha256', prk)
      .update(t)
      .update(info)
      .update(Buffer.from([i]))
      .digest();
    out.push(t);
  }
  return Buffer.concat(out).subarray(0, length);
}

// RFC 9180 §4: LabeledExtract and LabeledExpand bind every derivation to the suite and a label.
function labeledExtract(suite: Buffer, salt: Uint8Array, label: string, ikm: Uint8Array): Buffer {
  return extract(salt, Buffer.concat([HPKE_V1, suite, utf8(label), ikm]));
}

function labeledExpand(suite: Buffer, prk: Uint8Array, label: string, info: Uint8Array, l: number): Buffer {
  return expand(prk, Buffer.concat([i2osp2(l), HPKE_V1, suite, utf8(label), info]), l);
}

/** Imports a raw 32-byte X25519 public key (RFC 7748 §5). */
export function x25519PublicKey(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new RangeError('an X25519 public key is 32 bytes');
  // JWK import and export are several times faster than DER in node:crypto, and sealing does one
  // of each per encapsulation.
  return createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(raw).toString('base64url') },
    format: 'jwk',
  });
}

/** Imports a raw 32-byte X25519 private key. */
export function x25519PrivateKey(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new RangeError('an X25519 private key is 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_X25519, raw]), format: 'der', type: 'pkcs8' });
}

/** The raw 32 bytes of an X25519 public key object (SerializePublicKey, RFC 9180 §7.1.1). */
export function rawX25519PublicKey(key: KeyObject): Buffer {
  const { x } = key.export({ format: 'jwk' });
  return Buffer.from(x ?? '', 'base64url');
}

/** The raw 32 bytes of an X25519 private key object (SerializePrivateKey, RFC 9180 §7.1.2). */
export function rawX25519PrivateKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_X25519.length);
}

/** A fresh X25519 key pair as raw bytes (GenerateKeyPair, RFC 9180 §4). */
export function generateX25519KeyPair(): { privateKey: Buffer; publicKey: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return { privateKey: rawX25519PrivateKey(privateKey), publicKey: rawX25519PublicKey(publicKey) };
}

/** DeriveKeyPair for X25519 (RFC 9180 §7.1.3): the same input keying material gives the same pair. */
export function deriveX25519KeyPair(ikm: Uint8Array): { privateKey: Buffer; publicKey: Buffer } {
  const prk = labeledExtract(KEM_SUITE, EMPTY, 'dkp_prk', ikm);
  const privateKey = labeledExpand(KEM_SUITE, prk, 'sk', EMPTY, 32);
  const publicKey = rawX25519PublicKey(createPublicKey(x25519PrivateKey(privateKey)));
  return { privateKey, publicKey };
}

/**
 * The recipient side of the KEM: something that holds an X25519 private key and computes
 * `DH(skR, pkE)`. A key file holds it in memory; an HSM does it without the key leaving the token.
 */
export interface X25519Decapsulator {
  /** `pkRm`, the raw recipient public key. */
  readonly publicKey: Uint8Array;
  /** The raw X25519 shared value with the sender's ephemeral public key. */
  dh(ephemeralPublicKey: Uint8Array): Promise<Uint8Array>;
}

/** A decapsulator over a raw private key held in this process. */
export function localDecapsulator(privateKey: Uint8Array): X25519Decapsulator {
  const sk = x25519PrivateKey(privateKey);
  const publicKey = rawX25519PublicKey(createPublicKey(sk));
  return {
    publicKey,
    dh: (pkE) => Promise.resolve(checkDh(diffieHellman({ privateKey: sk, publicKey: x25519PublicKey(pkE) }))),
  };
}

function checkDh(dh: Buffer): Buffer {
  // RFC 9180 §7.1.4: an all-zero X25519 output (a small-order peer key) must be rejected.
  if (dh.every((b) => b === 0)) throw new Error('HPKE: X25519 produced the all-zero value');
  return dh;
}

/** ExtractAndExpand of DHKEM (RFC 9180 §4.1): the KEM shared secret. */
function kemSharedSecret(dh: Uint8Array, enc: Uint8Array, pkR: Uint8Array): Buffer {
  const eaePrk = labeledExtract(KEM_SUITE, EMPTY, 'eae_prk', dh);
  return labeledExpand(KEM_SUITE, eaePrk, 'shared_secret', Buffer.concat([enc, pkR]), N_SECRET);
}

/** The key and nonce of the base-mode context (KeySchedule, RFC 9180 §5.1; psk and psk_id empty). */
export interface HpkeContextKeys {
  readonly key: Buffer;
  readonly baseNonce: Buffer;
}

const infoHashCache = new Map<string, Buffer>();
const PSK_ID_HASH = labeledExtract(HPKE_SUITE, EMPTY, 'psk_id_hash', EMPTY);

function keySchedule(sharedSecret: Uint8Array, info: Uint8Array): HpkeContextKeys {
  const cacheKey = Buffer.from(info).toString('base64');
  let infoHash = infoHashCache.get(cacheKey);
  if (infoHash === undefined) {
    infoHash = labeledExtract(HPKE_SUITE, EMPTY, 'info_hash', info);
    // A log-lived process uses a handful of info strings; the cap stops misuse from growing it.
    if (infoHashCache.size < 64) infoHashCache.set(cacheKey, infoHash);
  }
  // mode_base = 0x00 (§5.1, Table 1).
  const context = Buffer.concat([Buffer.from([0]), PSK_ID_HASH, infoHash]);
  const secret = labeledExtract(HPKE_SUITE, sharedSecret, 'secret', EMPTY);
  return {
    key: labeledExpand(HPKE_SUITE, secret, 'key', context, N_K),
    baseNonce: labeledExpand(HPKE_SUITE, secret, 'base_nonce', context, N_N),
  };
}

/** The output of a single-shot seal: the encapsulated key and the AEAD ciphertext (with tag). */
export interface HpkeSealed {
  readonly enc: Buffer;
  readonly ciphertext: Buffer;
}

/** Options for tests that must reproduce RFC 9180 Appendix A; never set in production. */
export interface HpkeSealOptions {
  /** A fixed ephemeral private key (`skEm`) instead of a fresh one. */
  readonly ephemeralPrivateKey?: Uint8Array;
}

/**
 * The keys a base-mode sender derives for `pkR` (SetupBaseS, RFC 9180 §5.1.1), with the
 * encapsulation. Exposed for the conformance test; callers use {@link hpkeSeal}.
 */
export function setupBaseSender(
  recipientPublicKey: Uint8Array | KeyObject,
  info: Uint8Array,
  opts: HpkeSealOptions = {},
): HpkeContextKeys & { enc: Buffer; sharedSecret: Buffer } {
  const pkR =
    recipientPublicKey instanceof Uint8Array ? x25519PublicKey(recipientPublicKey) : recipientPublicKey;
  const pkRm =
    recipientPublicKey instanceof Uint8Array ? Buffer.from(recipientPublicKey) : rawX25519PublicKey(pkR);
  let skE: KeyObject;
  let enc: Buffer;
  if (opts.ephemeralPrivateKey) {
    skE = x25519PrivateKey(opts.ephemeralPrivateKey);
    enc = rawX25519PublicKey(createPublicKey(skE));
  } else {
    const pair = generateKeyPairSync('x25519');
    skE = pair.privateKey;
    enc = rawX25519PublicKey(pair.publicKey);
  }
  // RFC 9180 §4.1 Encap: dh = DH(skE, pkR); kem_context = enc || pkRm.
  const dh = checkDh(diffieHellman({ privateKey: skE, publicKey: pkR }));
  const sharedSecret = kemSharedSecret(dh, enc, pkRm);
  return { ...keySchedule(sharedSecret, info), enc, sharedSecret };
}

/** RFC 9180 §5.2 ComputeNonce: base_nonce XOR I2OSP(seq, Nn). */
function computeNonce(baseNonce: Buffer, seq: number): Buffer {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError('HPKE: bad sequence number');
  const nonce = Buffer.from(baseNonce);
  for (let i = N_N - 1, s = seq; s > 0; i--, s = Math.floor(s / 256)) nonce[i]! ^= s % 256;
  return nonce;
}

/**
 * Seal message number `seq` of a sender context (RFC 9180 §5.2 `ContextS.Seal`). The caller must
 * never use the same `seq` twice with the same keys: a repeated nonce breaks AES-GCM.
 */
export function hpkeSealAt(
  keys: HpkeContextKeys,
  seq: number,
  aad: Uint8Array,
  plaintext: Uint8Array,
): Buffer {
  const cipher = createCipheriv('aes-128-gcm', keys.key, computeNonce(keys.baseNonce, seq));
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/**
 * Single-shot HPKE seal in base mode (RFC 9180 §6.1 `SealBase`): encrypts `plaintext` to the
 * recipient's X25519 public key, binding `info` (the application context) and `aad`.
 * Pass a `KeyObject` from {@link x25519PublicKey} when sealing many times to the same key.
 */
export function hpkeSeal(
  recipientPublicKey: Uint8Array | KeyObject,
  info: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  opts: HpkeSealOptions = {},
): HpkeSealed {
  const keys = setupBaseSender(recipientPublicKey, info, opts);
  // §6.1: single-shot is a fresh context's first message, sequence number 0.
  return { enc: keys.enc, ciphertext: hpkeSealAt(keys, 0, aad, plaintext) };
}

/**
 * The recipient's context keys for `enc` (SetupBaseR, RFC 9180 §5.1.1). Callers that open many
 * messages of one context keep the result and pass it to {@link hpkeOpenAt}.
 */
export async function setupBaseRecipient(
  recipient: X25519Decapsulator,
  enc: Uint8Array,
  info: Uint8Array,
): Promise<HpkeContextKeys> {
  if (enc.length !== HPKE_ENC_SIZE) throw new Error('HPKE: malformed encapsulation');
  const dh = checkDh(Buffer.from(await recipient.dh(enc)));
  return keySchedule(kemSharedSecret(dh, enc, recipient.publicKey), info);
}

/**
 * Single-shot HPKE open in base mode (RFC 9180 §6.1 `OpenBase`). Throws when the ciphertext,
 * `info` or `aad` were altered, or the key is not the one sealed to.
 */
export async function hpkeOpen(
  recipient: X25519Decapsulator,
  enc: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
): Promise<Buffer> {
  return hpkeOpenAt(await setupBaseRecipient(recipient, enc, info), 0, aad, ciphertext);
}

/** Opens message number `seq` of a recipient context (RFC 9180 §5.2 `ContextR.Open`). */
export function hpkeOpenAt(
  keys: HpkeContextKeys,
  seq: number,
  aad: Uint8Array,
  ciphertext: Uint8Array,
): Buffer {
  if (ciphertext.length < HPKE_TAG_SIZE) throw new Error('HPKE: malformed ciphertext');
  const decipher = createDecipheriv('aes-128-gcm', keys.key, computeNonce(keys.baseNonce, seq));
  decipher.setAAD(aad);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - HPKE_TAG_SIZE));
  return Buffer.concat([
    decipher.update(ciphertext.subarray(0, ciphertext.length - HPKE_TAG_SIZE)),
    decipher.final(),
  ]);
}
