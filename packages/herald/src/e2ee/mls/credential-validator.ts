import type { AuthenticationService, Credential } from 'ts-mls';

/**
 * Who a leaf of an MLS group is: one device of one user. Herald's MLS credentials bind exactly
 * this pair (a `basic` credential whose identity is `userId:deviceId` in UTF-8), and the key
 * directory binds the pair to the device's signature key.
 */
export interface MlsMemberIdentity {
  readonly userId: string;
  readonly deviceId: string;
}

// This module and the engine run in browsers too (the SDK): no Node built-ins here.

/** Longest user or device id a credential may carry, in UTF-8 bytes. */
export const MAX_IDENTITY_PART_BYTES = 255;
// No separator, no whitespace or control characters: ids are opaque tokens.
const PART = /^[^\s:\p{Cc}]+$/u;

function validPart(s: string): boolean {
  return PART.test(s) && new TextEncoder().encode(s).length <= MAX_IDENTITY_PART_BYTES;
}

/** Encodes `userId:deviceId` for a basic credential; throws `TypeError` on an invalid id. */
export function encodeMemberIdentity(identity: MlsMemberIdentity): Uint8Array {
  if (!validPart(identity.userId) || !validPart(identity.deviceId))
    throw new TypeError('MLS identity parts must be non-empty tokens without ":" or whitespace');
  return new TextEncoder().encode(`${identity.userId}:${identity.deviceId}`);
}

/** Parses a basic credential's identity; `undefined` when it is not exactly `userId:deviceId`. */
export function parseMemberIdentity(bytes: Uint8Array): MlsMemberIdentity | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  const parts = text.split(':');
  if (parts.length !== 2) return undefined;
  const [userId, deviceId] = parts as [string, string];
  return validPart(userId) && validPart(deviceId) ? { userId, deviceId } : undefined;
}

// Parsed identities by credential bytes (tree leaves are long-lived arrays; every received
// message names its sender's).
const parsed = new WeakMap<
  Uint8Array,
  { readonly bytes: Uint8Array; readonly identity: MlsMemberIdentity | undefined }
>();

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** The identity in a credential, when it is a Herald basic credential. */
export function credentialIdentity(credential: Credential): MlsMemberIdentity | undefined {
  if (credential.credentialType !== 'basic') return undefined;
  const raw = credential.identity;
  const hit = parsed.get(raw);
  // Arrays could change in place; the cached answer holds only for the same bytes.
  if (hit !== undefined && sameBytes(hit.bytes, raw)) return hit.identity;
  const identity = parseMemberIdentity(raw);
  parsed.set(raw, { bytes: raw.slice(), identity });
  return identity;
}

/** Why a credential was refused. */
export const CREDENTIAL_REJECTIONS = [
  'unsupported_credential_type', // not a basic credential
  'malformed_identity', // not `userId:deviceId`
  'unknown_device', // the directory has no active key for this device
  'signature_key_mismatch', // the leaf's signature key is not the one the directory holds
] as const;
export type CredentialRejection = (typeof CREDENTIAL_REJECTIONS)[number];

/** A credential check's outcome: a refusal is a value, not an exception. */
export type CredentialVerdict =
  | { readonly ok: true; readonly identity: MlsMemberIdentity }
  | { readonly ok: false; readonly reason: CredentialRejection };

/**
 * Herald's MLS Authentication Service (RFC 9420 §5.3.1, RFC 9750 §5): decides whether a
 * credential and the signature key it comes with belong together. Every MLS operation that sees a
 * leaf (KeyPackages, Welcome trees, Update and Commit leaves, external senders) asks it.
 * ts-mls's default service accepts everything, so Herald never runs without one of these.
 */
export interface CredentialValidator {
  validate(
    credential: Credential,
    signaturePublicKey: Uint8Array,
    options?: { readonly signal?: AbortSignal },
  ): Promise<CredentialVerdict>;
}

/** Adapts a {@link CredentialValidator} to the `AuthenticationService` ts-mls calls. */
export function toAuthenticationService(validator: CredentialValidator): AuthenticationService {
  return {
    async validateCredential(credential, signaturePublicKey) {
      return (await validator.validate(credential, signaturePublicKey)).ok;
    },
  };
}
