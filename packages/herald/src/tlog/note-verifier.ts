/**
 * Checks note signatures for one public key (C2SP signed-note). Verification is synchronous:
 * public keys are always in memory.
 */
export interface NoteVerifier {
  /** The key name the signature line must carry. */
  readonly name: string;
  /** The key id as 8 lowercase hex digits (see `noteKeyId`). */
  readonly keyId: string;
  /** Whether `signature` (without the 4-byte key id) is valid over `message`. Never throws. */
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}
