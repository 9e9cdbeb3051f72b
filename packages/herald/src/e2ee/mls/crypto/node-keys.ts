import { createECDH, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { CryptoError } from 'ts-mls/mlsError.js';

/** Curves of the MLS cipher suites, by their JWK names (RFC 8037, RFC 7518). */
export const NODE_CURVES = ['X25519', 'X448', 'Ed25519', 'Ed448', 'P-256', 'P-384', 'P-521'] as const;
export type NodeCurve = (typeof NODE_CURVES)[number];

interface OkpCurve {
  readonly kind: 'okp';
  readonly length: number;
  /** PKCS#8 prefix ts-mls's stock provider wraps Ed25519 seeds in (accepted on import). */
  readonly pkcs8Prefix?: string;
}
interface EcCurve {
  readonly kind: 'ec';
  readonly length: number;
  readonly openssl: string;
}

const CURVES: Readonly<Record<NodeCurve, OkpCurve | EcCurve>> = {
  X25519: { kind: 'okp', length: 32 },
  X448: { kind: 'okp', length: 56 },
  Ed25519: { kind: 'okp', length: 32, pkcs8Prefix: '302e020100300506032b657004220420' },
  Ed448: { kind: 'okp', length: 57, pkcs8Prefix: '3047020100300506032b6571043b0439' },
  'P-256': { kind: 'ec', length: 32, openssl: 'prime256v1' },
  'P-384': { kind: 'ec', length: 48, openssl: 'secp384r1' },
  'P-521': { kind: 'ec', length: 66, openssl: 'secp521r1' },
};

/** Serialized private key length (`Nsk`; the scalar length for EC curves). */
export const privateKeyLength = (curve: NodeCurve): number => CURVES[curve].length;
/** Serialized public key length: raw for OKP, uncompressed SEC1 point for EC. */
export const publicKeyLength = (curve: NodeCurve): number => {
  const c = CURVES[curve];
  return c.kind === 'okp' ? c.length : 1 + 2 * c.length;
};

const b64u = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
const fromB64u = (s: string | undefined, length: number): Uint8Array => {
  const raw = Buffer.from(s ?? '', 'base64url');
  if (raw.length > length) throw new CryptoError('JWK coordinate too long');
  const out = new Uint8Array(length);
  out.set(raw, length - raw.length);
  return out;
};

function padScalar(d: Uint8Array, length: number): Uint8Array {
  if (d.length === length) return d;
  // Test vectors may drop leading zeros of a P-521 scalar (mls-implementations issue 176).
  if (d.length > length) throw new CryptoError('EC private key too long');
  const out = new Uint8Array(length);
  out.set(d, length - d.length);
  return out;
}

/**
 * Imports a raw private key: RFC 8032/7748 bytes for OKP curves, a big-endian scalar for EC.
 * Goes through JWK rather than PKCS#8 DER: OpenSSL 3's DER decoder costs about ten times more
 * per key, and MLS imports a fresh HPKE key for every tree node it derives.
 */
export function importRawPrivate(curve: NodeCurve, raw: Uint8Array): KeyObject {
  const c = CURVES[curve];
  try {
    if (c.kind === 'okp') {
      let seed = raw;
      if (
        raw.length !== c.length &&
        c.pkcs8Prefix !== undefined &&
        raw.length === c.length + c.pkcs8Prefix.length / 2
      ) {
        if (Buffer.from(raw.subarray(0, c.pkcs8Prefix.length / 2)).toString('hex') !== c.pkcs8Prefix)
          throw new CryptoError('Unexpected PKCS#8 private key');
        seed = raw.subarray(c.pkcs8Prefix.length / 2);
      }
      if (seed.length !== c.length) throw new CryptoError(`${curve} private key has the wrong length`);
      // Node derives the public half from `d`; `x` is required to be a string, and unused.
      return createPrivateKey({ key: { kty: 'OKP', crv: curve, d: b64u(seed), x: '' }, format: 'jwk' });
    }
    const scalar = padScalar(raw, c.length);
    const ecdh = createECDH(c.openssl);
    ecdh.setPrivateKey(scalar);
    const point = ecdh.getPublicKey();
    return createPrivateKey({
      key: {
        kty: 'EC',
        crv: curve,
        d: b64u(scalar),
        x: b64u(point.subarray(1, 1 + c.length)),
        y: b64u(point.subarray(1 + c.length)),
      },
      format: 'jwk',
    });
  } catch (err) {
    throw err instanceof CryptoError
      ? err
      : new CryptoError(`Invalid ${curve} private key: ${(err as Error).message}`);
  }
}

/** Imports a raw public key (OKP bytes, or an uncompressed EC point); throws on invalid input. */
export function importRawPublic(curve: NodeCurve, raw: Uint8Array): KeyObject {
  const c = CURVES[curve];
  if (raw.length !== publicKeyLength(curve))
    throw new CryptoError(`${curve} public key has the wrong length`);
  try {
    if (c.kind === 'okp')
      return createPublicKey({ key: { kty: 'OKP', crv: curve, x: b64u(raw) }, format: 'jwk' });
    // RFC 9420 / RFC 9180 §7.1.1: uncompressed SEC1 encoding only.
    if (raw[0] !== 4) throw new CryptoError(`${curve} public key is not an uncompressed point`);
    return createPublicKey({
      key: {
        kty: 'EC',
        crv: curve,
        x: b64u(raw.subarray(1, 1 + c.length)),
        y: b64u(raw.subarray(1 + c.length)),
      },
      format: 'jwk',
    });
  } catch (err) {
    throw err instanceof CryptoError
      ? err
      : new CryptoError(`Invalid ${curve} public key: ${(err as Error).message}`);
  }
}

/** The raw public key of a public or private `KeyObject`. */
export function exportRawPublic(curve: NodeCurve, key: KeyObject): Uint8Array {
  const c = CURVES[curve];
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  if (c.kind === 'okp') return fromB64u(jwk.x, c.length);
  const out = new Uint8Array(1 + 2 * c.length);
  out[0] = 4;
  out.set(fromB64u(jwk.x, c.length), 1);
  out.set(fromB64u(jwk.y, c.length), 1 + c.length);
  return out;
}

/**
 * The raw public key for a raw EC private scalar, with one scalar multiplication and no key
 * import (an import would validate the pair: a second one). `undefined` for OKP curves.
 */
export function ecPublicFromRawPrivate(curve: NodeCurve, raw: Uint8Array): Uint8Array | undefined {
  const c = CURVES[curve];
  if (c.kind !== 'ec') return undefined;
  try {
    const ecdh = createECDH(c.openssl);
    ecdh.setPrivateKey(padScalar(raw, c.length));
    return new Uint8Array(ecdh.getPublicKey());
  } catch (err) {
    throw new CryptoError(`Invalid ${curve} private key: ${(err as Error).message}`);
  }
}

/** OpenSSL's name for an EC curve (for `createECDH`); `undefined` for OKP curves. */
export function ecdhCurveName(curve: NodeCurve): string | undefined {
  const c = CURVES[curve];
  return c.kind === 'ec' ? c.openssl : undefined;
}

/** A raw EC scalar left-padded to the curve's length. */
export function padEcScalar(curve: NodeCurve, raw: Uint8Array): Uint8Array {
  return padScalar(raw, CURVES[curve].length);
}

/** Checks a raw private key's length without importing it. */
export function checkRawPrivateLength(curve: NodeCurve, raw: Uint8Array): void {
  const c = CURVES[curve];
  if (c.kind === 'okp' ? raw.length !== c.length : raw.length === 0 || raw.length > c.length)
    throw new CryptoError(`${curve} private key has the wrong length`);
}

/** The raw private key (seed or padded scalar) of a private `KeyObject`. */
export function exportRawPrivate(curve: NodeCurve, key: KeyObject): Uint8Array {
  return fromB64u(key.export({ format: 'jwk' }).d, CURVES[curve].length);
}
