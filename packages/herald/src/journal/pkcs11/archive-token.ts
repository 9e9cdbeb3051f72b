/**
 * The few things the PKCS#11 vault asks of a token, behind a small port so the vault reads as
 * HPKE and key checks, not as Cryptoki calls (the Cryptoki side is `pkcs11js-token.ts`).
 */

/** A key pair on the token: handles of its halves and what the vault checks before use. */
export interface TokenKeyPair {
  readonly label: string;
  /** `CKA_EC_POINT` of the public half, as the token returns it (raw or a DER OCTET STRING). */
  readonly ecPoint: Uint8Array;
  /** `CKA_EC_PARAMS`: the curve, as an OID or a printable curve name (PKCS#11 3.0 §2.3.10). */
  readonly ecParams: Uint8Array;
  /** `CKA_KEY_TYPE` of the private half. */
  readonly keyType: number;
  /** The private half's protection flags (never its value: a good token refuses to give it). */
  readonly sensitive: boolean;
  readonly extractable: boolean;
  readonly derive: boolean;
  /** Opaque handle of the private half. */
  readonly privateHandle: unknown;
}

/** An open, logged-in session on one token. */
export interface ArchiveKeyToken {
  /** The pair labelled `label`; undefined when there is none. Throws when the label is ambiguous. */
  findKeyPair(label: string): TokenKeyPair | undefined;
  /** Generates a persistent X25519 pair: private half sensitive, not extractable, derive only. */
  generateX25519KeyPair(label: string): TokenKeyPair;
  /**
   * `C_DeriveKey(CKM_ECDH1_DERIVE, CKD_NULL)` with the peer's raw public key: the raw DH output.
   * It leaves the token as a short-lived session object (sensitive false), which is destroyed
   * right after reading; the private key never does.
   */
  ecdh(pair: TokenKeyPair, peerPublicKey: Uint8Array): Buffer;
  /** Logs out, closes the session and releases the module. */
  close(): void;
}
