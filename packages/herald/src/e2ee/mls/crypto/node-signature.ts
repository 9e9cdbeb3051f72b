import { generateKeyPairSync, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import type { Signature } from 'ts-mls';
import { PrivateKeyCache, PublicKeyCache } from './key-cache.ts';
import {
  exportRawPrivate,
  exportRawPublic,
  importRawPrivate,
  importRawPublic,
  privateKeyLength,
  type NodeCurve,
} from './node-keys.ts';
import { ownBytes, randomBytes, type NodeHashName } from './node-primitives.ts';

/** Signature schemes of the MLS cipher suites Herald can run natively, by ts-mls's names. */
export const NODE_SIGNATURE_SCHEMES = ['Ed25519', 'Ed448', 'P256', 'P384', 'P521'] as const;
export type NodeSignatureScheme = (typeof NODE_SIGNATURE_SCHEMES)[number];

// ECDSA hashes per RFC 9420 §17.1 (SHA-256/384/512 with P-256/384/521); EdDSA hashes itself.
const SCHEMES: Readonly<
  Record<NodeSignatureScheme, { readonly curve: NodeCurve; readonly hash: NodeHashName | null }>
> = {
  Ed25519: { curve: 'Ed25519', hash: null },
  Ed448: { curve: 'Ed448', hash: null },
  P256: { curve: 'P-256', hash: 'sha256' },
  P384: { curve: 'P-384', hash: 'sha384' },
  P521: { curve: 'P-521', hash: 'sha512' },
};

/**
 * A ts-mls `Signature` on `node:crypto`. Keys are imported once and kept as `KeyObject`s: public
 * keys in a bounded cache keyed by their bytes, the signing key in a `WeakMap` keyed by the array
 * the group state holds. Private keys are raw (RFC 8032 seed for EdDSA, big-endian scalar for
 * ECDSA), the encoding the MLS test vectors use; ECDSA signatures are DER (RFC 9420 §5.1.2).
 */
export function makeNodeSignature(scheme: NodeSignatureScheme): Signature {
  const { curve, hash } = SCHEMES[scheme];
  const publicKeys = new PublicKeyCache();
  const privateKeys = new PrivateKeyCache();
  const loadPublic = (raw: Uint8Array): KeyObject => importRawPublic(curve, raw);
  const loadPrivate = (raw: Uint8Array): KeyObject => importRawPrivate(curve, raw);
  const options = (key: KeyObject): KeyObject | { key: KeyObject; dsaEncoding: 'der' } =>
    hash === null ? key : { key, dsaEncoding: 'der' };

  return {
    async sign(signKey, message) {
      return ownBytes(nodeSign(hash, message, options(privateKeys.get(signKey, loadPrivate))));
    },
    async verify(publicKey, message, signature) {
      try {
        return nodeVerify(hash, message, options(publicKeys.get(publicKey, loadPublic)), signature);
      } catch {
        // A key that does not import or a signature that does not parse verifies nothing.
        return false;
      }
    },
    async keygen() {
      if (hash === null) {
        const signKey = randomBytes(privateKeyLength(curve));
        return { signKey, publicKey: exportRawPublic(curve, loadPrivate(signKey)) };
      }
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      return { signKey: exportRawPrivate(curve, privateKey), publicKey: exportRawPublic(curve, publicKey) };
    },
  };
}
