/** Options for {@link NoteSigner.sign}. */
export interface NoteSignOptions {
  readonly signal?: AbortSignal;
}

/**
 * Signs notes under one key (C2SP signed-note). A port so the checkpoint key can live in a key
 * vault or HSM later; `Ed25519NoteSigner` holds the key in memory.
 */
export interface NoteSigner {
  /** The key name: non-empty, no Unicode spaces, no `+`. */
  readonly name: string;
  /** The key id as 8 lowercase hex digits (see `noteKeyId`). */
  readonly keyId: string;
  /** The raw signature over `message` (64 bytes for Ed25519), without the key id. */
  sign(message: Uint8Array, opts?: NoteSignOptions): Promise<Uint8Array>;
}
