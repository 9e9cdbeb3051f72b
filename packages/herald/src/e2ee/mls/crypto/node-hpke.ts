import { createECDH, diffieHellman, type ECDH, type KeyObject } from 'node:crypto';
import type { Hpke, PrivateKey, PublicKey } from 'ts-mls';
import { CryptoError } from 'ts-mls/mlsError.js';
import { PublicKeyCache } from './key-cache.ts';
import {
  AEAD_KEY_LENGTH,
  AEAD_NONCE_LENGTH,
  HASH_LENGTH,
  aeadOpen,
  aeadSeal,
  hkdfExpand,
  hkdfExtract,
  randomBytes,
  type NodeAeadName,
  type NodeHashName,
} from './node-primitives.ts';
import {
  checkRawPrivateLength,
  ecdhCurveName,
  ecPublicFromRawPrivate,
  padEcScalar,
  exportRawPublic,
  importRawPrivate,
  importRawPublic,
  privateKeyLength,
  type NodeCurve,
} from './node-keys.ts';

/** The DHKEMs (RFC 9180 §7.1) of the MLS cipher suites, by ts-mls's names. */
export const NODE_KEMS = [
  'DHKEM-X25519-HKDF-SHA256',
  'DHKEM-X448-HKDF-SHA512',
  'DHKEM-P256-HKDF-SHA256',
  'DHKEM-P384-HKDF-SHA384',
  'DHKEM-P521-HKDF-SHA512',
] as const;
export type NodeKemName = (typeof NODE_KEMS)[number];

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const EMPTY = new Uint8Array(0);

function concat(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const i2osp2 = (n: number): Uint8Array => Uint8Array.of((n >> 8) & 0xff, n & 0xff);

interface KemCurve {
  readonly id: number;
  readonly hash: NodeHashName;
  readonly curve: NodeCurve;
  /** RFC 9180 §7.1.3 DeriveKeyPair: the private key from `LabeledExpand` on `dkp_prk`. */
  readonly deriveScalar: (
    expand: (label: string, info: Uint8Array, length: number) => Uint8Array,
  ) => Uint8Array;
  readonly randomScalar: () => Uint8Array;
}

function montgomery(id: number, hash: NodeHashName, curve: NodeCurve): KemCurve {
  const length = privateKeyLength(curve);
  return {
    id,
    hash,
    curve,
    deriveScalar: (expand) => expand('sk', EMPTY, length),
    randomScalar: () => randomBytes(length),
  };
}

function weierstrass(
  id: number,
  hash: NodeHashName,
  curve: NodeCurve,
  order: string,
  bitmask: number,
): KemCurve {
  const length = privateKeyLength(curve);
  const n = BigInt(`0x${order}`);
  const valid = (sk: Uint8Array): boolean => {
    const v = BigInt(`0x${Buffer.from(sk).toString('hex')}`);
    return v !== 0n && v < n;
  };
  const sample = (next: (counter: number) => Uint8Array): Uint8Array => {
    for (let counter = 0; counter < 256; counter++) {
      const bytes = next(counter);
      bytes[0] = bytes[0]! & bitmask;
      if (valid(bytes)) return bytes;
    }
    throw new CryptoError('DeriveKeyPairError');
  };
  return {
    id,
    hash,
    curve,
    // RFC 9180 §7.1.3: rejection sampling with a per-curve bitmask.
    deriveScalar: (expand) => sample((counter) => expand('candidate', Uint8Array.of(counter), length)),
    randomScalar: () => sample(() => randomBytes(length)),
  };
}

const CURVES: Readonly<Record<NodeKemName, KemCurve>> = {
  'DHKEM-X25519-HKDF-SHA256': montgomery(0x0020, 'sha256', 'X25519'),
  'DHKEM-X448-HKDF-SHA512': montgomery(0x0021, 'sha512', 'X448'),
  'DHKEM-P256-HKDF-SHA256': weierstrass(
    0x0010,
    'sha256',
    'P-256',
    'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551',
    0xff,
  ),
  'DHKEM-P384-HKDF-SHA384': weierstrass(
    0x0011,
    'sha384',
    'P-384',
    `${'ff'.repeat(24)}c7634d81f4372ddf581a0db248b0a77aecec196accc52973`,
    0xff,
  ),
  'DHKEM-P521-HKDF-SHA512': weierstrass(
    0x0012,
    'sha512',
    'P-521',
    `01ff${'ff'.repeat(28)}fffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409`,
    0x01,
  ),
};

const KDF_IDS: Readonly<Record<NodeHashName, number>> = { sha256: 0x0001, sha384: 0x0002, sha512: 0x0003 };
const AEAD_IDS: Readonly<Record<NodeAeadName, number>> = {
  'aes-128-gcm': 0x0001,
  'aes-256-gcm': 0x0002,
  'chacha20-poly1305': 0x0003,
};

/**
 * An HPKE key: its serialization, and an OpenSSL `KeyObject` made only when a DH needs it. ts-mls
 * derives a key pair for every tree node it touches but mostly just serializes them, and an
 * import costs a scalar multiplication or two. ts-mls types HPKE keys as WebCrypto `CryptoKey`s
 * yet treats them as opaque handles that only go back into the same `Hpke`, so this class stands
 * in for them.
 */
export class NodeHpkeKey {
  #key: KeyObject | undefined;
  #publicRaw: Uint8Array | undefined;

  constructor(
    readonly type: 'public' | 'private',
    readonly raw: Uint8Array,
    private readonly curve: NodeCurve,
    private readonly importPublic: (raw: Uint8Array) => KeyObject,
    key?: KeyObject,
  ) {
    this.#key = key;
    if (type === 'public') this.#publicRaw = raw;
  }

  get key(): KeyObject {
    this.#key ??=
      this.type === 'private' ? importRawPrivate(this.curve, this.raw) : this.importPublic(this.raw);
    return this.#key;
  }

  /** The serialized public key (for a private key, derived once and remembered). */
  get publicRaw(): Uint8Array {
    this.#publicRaw ??=
      (this.#key === undefined ? ecPublicFromRawPrivate(this.curve, this.raw) : undefined) ??
      exportRawPublic(this.curve, this.key);
    return this.#publicRaw;
  }
}

function asNodeKey(k: unknown, type: 'public' | 'private'): NodeHpkeKey {
  if (!(k instanceof NodeHpkeKey) || k.type !== type)
    throw new CryptoError(`Expected an HPKE ${type} key from the Node crypto provider`);
  return k;
}

/**
 * HPKE (RFC 9180) base mode, single shot, on `node:crypto`: DHKEM on X25519/X448/P-256/P-384/
 * P-521 with OpenSSL doing the group operations, HKDF and the AEAD. Only what MLS uses: Seal/Open,
 * the secret export of §5.3 for external commits, DeriveKeyPair, and raw AEAD for MLS framing.
 */
export function makeNodeHpke(kem: NodeKemName, kdf: NodeHashName, aead: NodeAeadName): Hpke {
  const curve = CURVES[kem];
  const kemSuite = concat(utf8('KEM'), i2osp2(curve.id));
  const hpkeSuite = concat(utf8('HPKE'), i2osp2(curve.id), i2osp2(KDF_IDS[kdf]), i2osp2(AEAD_IDS[aead]));
  const versionLabel = utf8('HPKE-v1');
  const keyLength = AEAD_KEY_LENGTH[aead];
  const publicKeys = new PublicKeyCache();

  const labeledExtract = (
    hash: NodeHashName,
    suite: Uint8Array,
    salt: Uint8Array,
    label: string,
    ikm: Uint8Array,
  ): Uint8Array => hkdfExtract(hash, salt, concat(versionLabel, suite, utf8(label), ikm));
  const labeledExpand = (
    hash: NodeHashName,
    suite: Uint8Array,
    prk: Uint8Array,
    label: string,
    info: Uint8Array,
    length: number,
  ): Uint8Array =>
    hkdfExpand(hash, prk, concat(i2osp2(length), versionLabel, suite, utf8(label), info), length);

  // Constant for base mode (no PSK): computed once.
  const pskIdHash = labeledExtract(kdf, hpkeSuite, EMPTY, 'psk_id_hash', EMPTY);

  const importPublic = (raw: Uint8Array): KeyObject =>
    publicKeys.get(raw, (r) => importRawPublic(curve.curve, r));
  const privateKey = (raw: Uint8Array): NodeHpkeKey => {
    checkRawPrivateLength(curve.curve, raw);
    return new NodeHpkeKey('private', new Uint8Array(raw), curve.curve, importPublic);
  };
  // Keys from outside are validated (imported) at once; our own derived ones only when used.
  const untrustedPublicKey = (raw: Uint8Array): NodeHpkeKey =>
    new NodeHpkeKey('public', new Uint8Array(raw), curve.curve, importPublic, importPublic(raw));
  const ownPublicKey = (raw: Uint8Array): NodeHpkeKey =>
    new NodeHpkeKey('public', raw, curve.curve, importPublic);

  const dh = (sk: KeyObject, pk: KeyObject): Uint8Array => {
    let shared: Buffer;
    try {
      shared = diffieHellman({ privateKey: sk, publicKey: pk });
    } catch (err) {
      throw new CryptoError(`DH failed: ${(err as Error).message}`);
    }
    // RFC 9180 §7.1.4: an all-zero X25519/X448 output means a small-order peer key.
    if (shared.every((b) => b === 0)) throw new CryptoError('DH produced the all-zero value');
    return shared;
  };

  const extractAndExpand = (dhValue: Uint8Array, kemContext: Uint8Array): Uint8Array => {
    const eaePrk = labeledExtract(curve.hash, kemSuite, EMPTY, 'eae_prk', dhValue);
    return labeledExpand(curve.hash, kemSuite, eaePrk, 'shared_secret', kemContext, HASH_LENGTH[curve.hash]);
  };

  const generate = (): NodeHpkeKey => privateKey(curve.randomScalar());

  // EC curves do their DH with an ECDH object: two scalar multiplications per encap or decap
  // and no key import (a KeyObject import validates the pair with extra multiplications, which
  // on P-384/P-521 cost milliseconds). X25519/X448 use KeyObjects, where imports are cheap.
  const ecName = ecdhCurveName(curve.curve);
  const ecCompute = (ecdh: ECDH, peer: Uint8Array): Uint8Array => {
    if (peer.length !== 1 + 2 * privateKeyLength(curve.curve) || peer[0] !== 4)
      throw new CryptoError('Invalid KEM public key: not an uncompressed point');
    try {
      return ecdh.computeSecret(peer);
    } catch (err) {
      throw new CryptoError(`DH failed: ${(err as Error).message}`);
    }
  };

  const encap = (pkR: NodeHpkeKey): { sharedSecret: Uint8Array; enc: Uint8Array } => {
    if (ecName !== undefined) {
      const ecdh = createECDH(ecName);
      const enc = new Uint8Array(ecdh.generateKeys());
      return { sharedSecret: extractAndExpand(ecCompute(ecdh, pkR.raw), concat(enc, pkR.raw)), enc };
    }
    const ephemeral = generate();
    const enc = ephemeral.publicRaw;
    const sharedSecret = extractAndExpand(dh(ephemeral.key, pkR.key), concat(enc, pkR.raw));
    return { sharedSecret, enc: new Uint8Array(enc) };
  };

  const decap = (enc: Uint8Array, skR: NodeHpkeKey): Uint8Array => {
    if (ecName !== undefined) {
      const ecdh = createECDH(ecName);
      try {
        ecdh.setPrivateKey(padEcScalar(curve.curve, skR.raw));
      } catch (err) {
        throw new CryptoError(`Invalid HPKE private key: ${(err as Error).message}`);
      }
      return extractAndExpand(ecCompute(ecdh, enc), concat(enc, ecdh.getPublicKey()));
    }
    let pkE: KeyObject;
    try {
      pkE = importRawPublic(curve.curve, enc);
    } catch (err) {
      throw new CryptoError(`Invalid KEM output: ${(err as Error).message}`);
    }
    return extractAndExpand(dh(skR.key, pkE), concat(enc, skR.publicRaw));
  };

  const keySchedule = (
    sharedSecret: Uint8Array,
    info: Uint8Array,
  ): { key: Uint8Array; nonce: Uint8Array; exporter: Uint8Array } => {
    const infoHash = labeledExtract(kdf, hpkeSuite, EMPTY, 'info_hash', info);
    const context = concat(Uint8Array.of(0x00), pskIdHash, infoHash);
    const secret = labeledExtract(kdf, hpkeSuite, sharedSecret, 'secret', EMPTY);
    return {
      key: labeledExpand(kdf, hpkeSuite, secret, 'key', context, keyLength),
      nonce: labeledExpand(kdf, hpkeSuite, secret, 'base_nonce', context, AEAD_NONCE_LENGTH),
      exporter: labeledExpand(kdf, hpkeSuite, secret, 'exp', context, HASH_LENGTH[kdf]),
    };
  };

  const exportFrom = (exporter: Uint8Array, context: Uint8Array, length: number): Uint8Array =>
    labeledExpand(kdf, hpkeSuite, exporter, 'sec', context, length);

  const pair = (sk: NodeHpkeKey): { privateKey: PrivateKey; publicKey: PublicKey } => ({
    privateKey: sk as unknown as PrivateKey,
    publicKey: ownPublicKey(sk.publicRaw) as unknown as PublicKey,
  });

  return {
    async seal(pk, plaintext, info, aad) {
      const { sharedSecret, enc } = encap(asNodeKey(pk, 'public'));
      const ctx = keySchedule(sharedSecret, info);
      return { ct: aeadSeal(aead, ctx.key, ctx.nonce, aad ?? EMPTY, plaintext), enc };
    },
    async open(sk, kemOutput, ciphertext, info, aad) {
      const ctx = keySchedule(decap(kemOutput, asNodeKey(sk, 'private')), info);
      return aeadOpen(aead, ctx.key, ctx.nonce, aad ?? EMPTY, ciphertext);
    },
    async exportSecret(pk, exporterContext, length, info) {
      const { sharedSecret, enc } = encap(asNodeKey(pk, 'public'));
      return { enc, secret: exportFrom(keySchedule(sharedSecret, info).exporter, exporterContext, length) };
    },
    async importSecret(sk, exporterContext, kemOutput, length, info) {
      const ctx = keySchedule(decap(kemOutput, asNodeKey(sk, 'private')), info);
      return exportFrom(ctx.exporter, exporterContext, length);
    },
    async importPrivateKey(raw) {
      try {
        return privateKey(raw) as unknown as PrivateKey;
      } catch (err) {
        throw err instanceof CryptoError
          ? err
          : new CryptoError(`Invalid HPKE private key: ${(err as Error).message}`);
      }
    },
    async importPublicKey(raw) {
      try {
        return untrustedPublicKey(raw) as unknown as PublicKey;
      } catch (err) {
        throw err instanceof CryptoError
          ? err
          : new CryptoError(`Invalid HPKE public key: ${(err as Error).message}`);
      }
    },
    async exportPublicKey(k) {
      return new Uint8Array(asNodeKey(k, 'public').raw);
    },
    async exportPrivateKey(k) {
      return new Uint8Array(asNodeKey(k, 'private').raw);
    },
    async encryptAead(key, nonce, aad, plaintext) {
      return aeadSeal(aead, key, nonce, aad ?? EMPTY, plaintext);
    },
    async decryptAead(key, nonce, aad, ciphertext) {
      return aeadOpen(aead, key, nonce, aad ?? EMPTY, ciphertext);
    },
    async deriveKeyPair(ikm) {
      const dkpPrk = labeledExtract(curve.hash, kemSuite, EMPTY, 'dkp_prk', ikm);
      const scalar = curve.deriveScalar((label, info, length) =>
        labeledExpand(curve.hash, kemSuite, dkpPrk, label, info, length),
      );
      return pair(privateKey(scalar));
    },
    async generateKeyPair() {
      return pair(generate());
    },
    keyLength,
    nonceLength: AEAD_NONCE_LENGTH,
  };
}
