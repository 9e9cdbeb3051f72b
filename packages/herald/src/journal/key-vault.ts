import type { SealedEnvelope } from './record-envelope.ts';

/** Options every `KeyVault` method takes. */
export interface KeyVaultOptions {
  readonly signal?: AbortSignal;
}

/** A record opened by the vault: its plaintext and the data key that sealed it (for export). */
export interface OpenedEnvelope {
  readonly plaintext: Uint8Array;
  /** The record's AES-256-GCM data key; an export includes it so verifiers can re-decrypt. */
  readonly dataKey: Uint8Array;
}

/**
 * The archive key of the journal (DESIGN decision 8): an X25519 key pair whose private half
 * never reaches the gateway. The gateway seals with `publicKey()` alone; only export tools,
 * holding the vault, call `open`. Implementations: `FileKeyVault` (a key file, for development)
 * and, for HSMs, a PKCS#11 vault doing the X25519 derive on the token.
 */
export interface KeyVault {
  /** The raw 32-byte X25519 archive public key. */
  publicKey(opts?: KeyVaultOptions): Promise<Uint8Array>;
  /**
   * Unseals a record's data key with HPKE (RFC 9180) and decrypts the record. Throws
   * `HERALD_ERR_JOURNAL_SHREDDED` when the data key was destroyed and
   * `HERALD_ERR_JOURNAL_OPEN_FAILED` when the envelope does not open with this key.
   */
  open(sealed: SealedEnvelope, opts?: KeyVaultOptions): Promise<OpenedEnvelope>;
}
