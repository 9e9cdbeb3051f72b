import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import type { Signature } from 'ts-mls';
import { CryptoError } from 'ts-mls/mlsError.js';
import { PrivateKeyCache, PublicKeyCache } from './key-cache.ts';
import { randomBytes, toBytes, type NodeHashName } from './node-primitives.ts';

/** Signature schemes of the MLS cipher suites Herald can run natively. */
export const NODE_SIGNATURE_SCHEMES = ['Ed25519', 'Ed448', 'P256', 'P384', 'P521'] as const;
export type NodeSignatureScheme = (typeof NODE_SIGNATURE_SCHEMES)[number];

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

interface EdDsaParams {
  readonly kind: 'eddsa';
  readonly keyLength: number;
  readonly spkiPrefix: Buffer;
  readonly pkcs8Prefix: Buffer;
}

interface EcdsaParams {
  readonly kind: 'ecdsa';
  readonly jwkCurve: 'P-256' | 'P-384' | 'P-521';
  readonly opensslCurve: string;
  readonly hash: NodeHashName;
  readonly scalarLength: number;
  readonly spkiPrefix: Buffer;
}

// DER prefixes of SubjectPublicKeyInfo / PKCS#8 for raw keys (RFC 8410 for EdDSA, RFC 5480 for
// uncompressed EC points), so raw MLS keys import without a JWK round trip.
const PARAMS: Readonly<Record<NodeSignatureScheme, EdDsaParams | EcdsaParams>> = {
  Ed25519: {
    kind: 'eddsa',
    keyLength: 32,
    spkiPrefix: hex('302a300506032b6570032100'),
    pkcs8Prefix: hex('302e020100300506032b657004220420'),
  },
  Ed448: {
    kind: 'eddsa',
    keyLength: 57,
    spkiPrefix: hex('3043300506032b6571033a00'),
    pkcs8Prefix: hex('3047020100300506032b6571043b0439'),
  },
  P256: {
    kind: 'ecdsa',
    jwkCurve: 'P-256',
    opensslCurve: 'prime256v1',
    hash: 'sha256',
    scalarLength: 32,
    spkiPrefix: hex('3059301306072a8648ce3d020106082a8648ce3d030107034200'),
  },
  P384: {
    kind: 'ecdsa',
    jwkCurve: 'P-384',
    opensslCurve: 'secp384r1',
    hash: 'sha384',
    scalarLength: 48,
    spkiPrefix: hex('3076301006072a8648ce3d020106052b81040022036200'),
  },
  P521: {
    kind: 'ecdsa',
    jwkCurve: 'P-521',
    opensslCurve: 'secp521r1',
    hash: 'sha512',
    scalarLength: 66,
    spkiPrefix: hex('30819b301006072a8648ce3d020106052b8104002303818600'),
  },
};

/** Left-pads a big-endian scalar to `length` bytes (test vectors may drop leading zeros). */
function padScalar(d: Uint8Array, length: number): Uint8Array {
  if (d.length === length) return d;
  if (d.length > length) throw new CryptoError('EC private key too long');
  const out = new Uint8Array(length);
  out.set(d, length - d.length);
  return out;
}

// AlgorithmIdentifier { id-ecPublicKey, namedCurve } per curve (RFC 5480).
const EC_ALGORITHM_IDS: Readonly<Record<string, string>> = {
  prime256v1: '301306072a8648ce3d020106082a8648ce3d030107',
  secp384r1: '301006072a8648ce3d020106052b81040022',
  secp521r1: '301006072a8648ce3d020106052b81040023',
};

/**
 * Imports a raw EC private scalar as PKCS#8 wrapping a minimal SEC1 `ECPrivateKey` (RFC 5915,
 * no public key): OpenSSL derives the public point once while decoding, which is half the work
 * of a JWK import (that needs the point computed beforehand).
 */
export function importEcPrivateScalar(
  d: Uint8Array,
  curve: { jwkCurve: string; opensslCurve: string; scalarLength: number },
): KeyObject {
  const scalar = padScalar(d, curve.scalarLength);
  const algorithm = EC_ALGORITHM_IDS[curve.opensslCurve];
  if (algorithm === undefined) throw new CryptoError(`No EC algorithm identifier for ${curve.opensslCurve}`);
  const n = scalar.length;
  // All lengths stay below 128, so every DER length is one byte.
  const ecPrivateKey = Buffer.concat([Buffer.from([0x30, n + 5, 0x02, 0x01, 0x01, 0x04, n]), scalar]);
  const alg = hex(algorithm);
  const body = Buffer.concat([
    Buffer.from([0x02, 0x01, 0x00]),
    alg,
    Buffer.from([0x04, ecPrivateKey.length]),
    ecPrivateKey,
  ]);
  const der = Buffer.concat([Buffer.from([0x30, body.length]), body]);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch (err) {
    throw new CryptoError(`Invalid EC private key: ${(err as Error).message}`);
  }
}

function importPublic(p: EdDsaParams | EcdsaParams, raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([p.spkiPrefix, raw]), format: 'der', type: 'spki' });
}

function importPrivate(p: EdDsaParams | EcdsaParams, raw: Uint8Array): KeyObject {
  if (p.kind === 'ecdsa') return importEcPrivateScalar(raw, p);
  // ts-mls's stock provider generates Ed25519 keys as PKCS#8; accept both so group state moves
  // between providers.
  const der =
    raw.length === p.keyLength
      ? Buffer.concat([p.pkcs8Prefix, raw])
      : Buffer.from(raw.buffer, raw.byteOffset, raw.length);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

/**
 * A ts-mls `Signature` on `node:crypto`. Keys are imported once and kept as `KeyObject`s: public
 * keys in a bounded cache keyed by their bytes, the signing key in a `WeakMap` keyed by the array
 * the group state holds. Private keys are raw (RFC 8032 seed for EdDSA, big-endian scalar for
 * ECDSA), the encoding the MLS test vectors use; ECDSA signatures are DER.
 */
export function makeNodeSignature(scheme: NodeSignatureScheme): Signature {
  const p = PARAMS[scheme];
  const publicKeys = new PublicKeyCache();
  const privateKeys = new PrivateKeyCache();
  const loadPublic = (raw: Uint8Array): KeyObject => importPublic(p, raw);
  const loadPrivate = (raw: Uint8Array): KeyObject => importPrivate(p, raw);
  const algorithm = p.kind === 'ecdsa' ? p.hash : null;

  return {
    async sign(signKey, message) {
      const key = privateKeys.get(signKey, loadPrivate);
      const sig =
        p.kind === 'ecdsa'
          ? nodeSign(algorithm, message, { key, dsaEncoding: 'der' })
          : nodeSign(null, message, key);
      return toBytes(sig);
    },
    async verify(publicKey, message, signature) {
      try {
        const key = publicKeys.get(publicKey, loadPublic);
        return p.kind === 'ecdsa'
          ? nodeVerify(algorithm, message, { key, dsaEncoding: 'der' }, signature)
          : nodeVerify(null, message, key, signature);
      } catch {
        // A key that does not import or a signature that does not parse verifies nothing.
        return false;
      }
    },
    async keygen() {
      if (p.kind === 'eddsa') {
        const seed = randomBytes(p.keyLength);
        const pub = createPublicKey(loadPrivate(seed)).export({ format: 'der', type: 'spki' });
        return { signKey: seed, publicKey: toBytes(pub.subarray(p.spkiPrefix.length)) };
      }
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: p.jwkCurve });
      const jwk = privateKey.export({ format: 'jwk' });
      const d = padScalar(Buffer.from(jwk.d ?? '', 'base64url'), p.scalarLength);
      const x = Buffer.from(jwk.x ?? '', 'base64url');
      const y = Buffer.from(jwk.y ?? '', 'base64url');
      const publicKey = new Uint8Array(1 + x.length + y.length);
      publicKey[0] = 4;
      publicKey.set(x, 1);
      publicKey.set(y, 1 + x.length);
      return { signKey: toBytes(d), publicKey };
    },
  };
}
