/**
 * The primitives the tlog module takes from its runtime: SHA-256, Ed25519, randomness and base64.
 * Everything else in tlog (tree hashing, proofs, notes, checkpoints) is written once on top of
 * them. Two implementations: `node-platform.ts` (node:crypto and Buffer, the fastest on the
 * server) and `web-platform.ts` (@noble/* and WebCrypto, for browsers). The package's `imports`
 * field picks one as `#tlog-platform`: bundlers that target browsers take the `browser`
 * condition, everything else the Node one.
 */
export interface TlogPlatform {
  /** SHA-256 of `data` (FIPS 180-4), synchronous: tree hashing is on the hot path. */
  sha256(data: Uint8Array): Uint8Array;
  /**
   * A verifier for one raw 32-byte Ed25519 public key (RFC 8032 §5.1.7). Throws when the runtime
   * cannot use the key; the returned function never throws.
   */
  ed25519Verifier(publicKey: Uint8Array): (message: Uint8Array, signature: Uint8Array) => boolean;
  /** A signer for one 32-byte Ed25519 seed (RFC 8032 §5.1.5), with its public key. */
  ed25519Signer(seed: Uint8Array): Ed25519Signer;
  /** `length` bytes from a cryptographically secure generator. */
  randomBytes(length: number): Uint8Array;
  /** Standard padded base64 (RFC 4648 §4). */
  toBase64(bytes: Uint8Array): string;
  /** Decodes base64 the caller already checked has the canonical alphabet and padding. */
  fromBase64(text: string): Uint8Array;
}

/** An Ed25519 private key held by the platform. */
export interface Ed25519Signer {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}
