import type { Credential } from 'ts-mls';
import {
  credentialIdentity,
  type CredentialValidator,
  type CredentialVerdict,
  type MlsMemberIdentity,
} from './credential-validator.ts';

/**
 * Looks up the signature public key the key directory holds for an enrolled, active device;
 * `undefined` when the device is unknown, suspended or revoked.
 */
export type SignatureKeyLookup = (
  identity: MlsMemberIdentity,
  options?: { readonly signal?: AbortSignal },
) => Promise<Uint8Array | undefined>;

/** Compares without an early exit (runs in browsers too, so no `node:crypto`). */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * The simple Authentication Service: a credential is valid when it is a basic credential for
 * `userId:deviceId` and its leaf's signature key is exactly the key the directory holds for that
 * device. The Delivery Service's own identity (as external sender) is looked up the same way.
 */
export class KeyDirectoryCredentialValidator implements CredentialValidator {
  readonly #lookup: SignatureKeyLookup;

  constructor(lookup: SignatureKeyLookup) {
    this.#lookup = lookup;
  }

  async validate(
    credential: Credential,
    signaturePublicKey: Uint8Array,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<CredentialVerdict> {
    options.signal?.throwIfAborted();
    if (credential.credentialType !== 'basic') return { ok: false, reason: 'unsupported_credential_type' };
    const identity = credentialIdentity(credential);
    if (identity === undefined) return { ok: false, reason: 'malformed_identity' };
    const expected = await this.#lookup(identity, options);
    if (expected === undefined) return { ok: false, reason: 'unknown_device' };
    const same = constantTimeEqual(expected, signaturePublicKey);
    return same ? { ok: true, identity } : { ok: false, reason: 'signature_key_mismatch' };
  }
}
