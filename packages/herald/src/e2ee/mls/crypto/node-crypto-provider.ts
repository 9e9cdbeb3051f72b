import type {
  AeadAlgorithm,
  Ciphersuite,
  CiphersuiteImpl,
  CiphersuiteName,
  CryptoProvider,
  HashAlgorithm,
  KdfAlgorithm,
} from 'ts-mls';
import { DependencyError } from 'ts-mls/mlsError.js';
import { makeNodeHpke, NODE_KEMS, type NodeKemName } from './node-hpke.ts';
import {
  bytesEqual,
  digest,
  HASH_LENGTH,
  hkdfExpand,
  hkdfExtract,
  hmac,
  randomBytes,
  type NodeAeadName,
  type NodeHashName,
} from './node-primitives.ts';
import { makeNodeSignature, NODE_SIGNATURE_SCHEMES, type NodeSignatureScheme } from './node-signature.ts';
import { TreeHashMemo } from './tree-hash-memo.ts';

/** How one MLS cipher suite maps onto OpenSSL primitives. */
export interface NodeSuiteSpec {
  readonly hash: NodeHashName;
  readonly kem: NodeKemName;
  readonly aead: NodeAeadName;
  readonly signature: NodeSignatureScheme;
}

const HASHES: Readonly<Record<HashAlgorithm, NodeHashName>> = {
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};
const KDF_HASH: Readonly<Record<KdfAlgorithm, NodeHashName>> = {
  'HKDF-SHA256': 'sha256',
  'HKDF-SHA384': 'sha384',
  'HKDF-SHA512': 'sha512',
};
const AEADS: Readonly<Record<AeadAlgorithm, NodeAeadName>> = {
  AES128GCM: 'aes-128-gcm',
  AES256GCM: 'aes-256-gcm',
  CHACHA20POLY1305: 'chacha20-poly1305',
};

/**
 * The OpenSSL primitives for a ts-mls cipher suite, or `undefined` when Node cannot run it
 * (the post-quantum suites 0x004D and up). The seven RFC 9420 suites all map: 0x0001 is
 * Herald's default, 0x0002 (P-256) the one RCS clients use.
 */
export function nodeSuiteSpec(cs: Ciphersuite): NodeSuiteSpec | undefined {
  const kem = (NODE_KEMS as readonly string[]).includes(cs.hpke.kem)
    ? (cs.hpke.kem as NodeKemName)
    : undefined;
  const signature = (NODE_SIGNATURE_SCHEMES as readonly string[]).includes(cs.signature)
    ? (cs.signature as NodeSignatureScheme)
    : undefined;
  const hash = HASHES[cs.hash];
  // Every RFC 9420 suite uses the same hash for MLS and for its HPKE KDF.
  if (kem === undefined || signature === undefined || KDF_HASH[cs.hpke.kdf] !== hash) return undefined;
  return { hash, kem, aead: AEADS[cs.hpke.aead], signature };
}

/** Builds the ts-mls `CiphersuiteImpl` for `spec` on `node:crypto`. */
export function makeNodeCiphersuiteImpl(name: CiphersuiteName, spec: NodeSuiteSpec): CiphersuiteImpl {
  const { hash } = spec;
  const treeHashes = new TreeHashMemo();
  const hashOnce = (data: Uint8Array): Uint8Array => digest(hash, data);
  return {
    name,
    hash: {
      async digest(data) {
        return treeHashes.digest(data, hashOnce);
      },
      async mac(key, data) {
        return hmac(hash, key, data);
      },
      async verifyMac(key, mac, data) {
        return bytesEqual(hmac(hash, key, data), mac);
      },
    },
    kdf: {
      async extract(salt, ikm) {
        return hkdfExtract(hash, salt, ikm);
      },
      async expand(prk, info, len) {
        return hkdfExpand(hash, prk, info, len);
      },
      size: HASH_LENGTH[hash],
    },
    hpke: makeNodeHpke(spec.kem, hash, spec.aead),
    signature: makeNodeSignature(spec.signature),
    rng: { randomBytes },
  };
}

/** Options of {@link createNodeCryptoProvider}. */
export interface NodeCryptoProviderOptions {
  /** Provider for suites Node cannot run (post-quantum ones); without it they are refused. */
  readonly fallback?: CryptoProvider;
}

/**
 * A ts-mls `CryptoProvider` backed by Node's OpenSSL, used in place of the stock WebCrypto +
 * `@hpke/core` provider on servers and in Node SDK clients. Asymmetric keys are imported once and
 * cached as `KeyObject`s (the stock provider re-imports on every call). One `CiphersuiteImpl` per
 * suite is built lazily and reused, so its key caches are shared by every group of that suite.
 * Browsers keep using ts-mls's stock provider: this module imports `node:crypto`.
 */
export function createNodeCryptoProvider(options: NodeCryptoProviderOptions = {}): CryptoProvider {
  const impls = new Map<CiphersuiteName, CiphersuiteImpl>();
  return {
    async getCiphersuiteImpl(cs) {
      const cached = impls.get(cs.name);
      if (cached !== undefined) return cached;
      const spec = nodeSuiteSpec(cs);
      if (spec === undefined) {
        if (options.fallback !== undefined) return options.fallback.getCiphersuiteImpl(cs);
        throw new DependencyError(`The Node crypto provider does not implement ${cs.name}`);
      }
      const impl = makeNodeCiphersuiteImpl(cs.name, spec);
      impls.set(cs.name, impl);
      return impl;
    },
  };
}

/** The process-wide Node provider (shared key caches). */
export const nodeCryptoProvider: CryptoProvider = createNodeCryptoProvider();
