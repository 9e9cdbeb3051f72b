import type { TenantId } from '../ids.ts';

/** Attestation formats a device may present at enrollment (docs/secure-channel.md). */
export const ATTESTATION_FORMATS = ['dev', 'x509'] as const;
export type AttestationFormat = (typeof ATTESTATION_FORMATS)[number];

/** Longest evidence accepted, in characters (a PEM chain of a few certificates fits easily). */
export const MAX_ATTESTATION_EVIDENCE = 16_384;

/** What a device presents: a format and its evidence (for `x509`, a PEM chain, leaf first). */
export interface Attestation {
  readonly format: AttestationFormat;
  readonly evidence: string;
}

/** The device being enrolled, as far as an attestation can speak about it. */
export interface AttestationSubject {
  readonly tenantId: TenantId;
  readonly userId: string;
  /** The raw Ed25519 key the device publishes in the key directory. */
  readonly signatureKey: Uint8Array;
}

/** Why evidence was refused. */
export const ATTESTATION_REJECTIONS = [
  'malformed', // not the format's encoding, or too long
  'untrusted', // does not chain to the configured trust anchor, or a signature fails
  'expired', // a certificate of the chain is past its validity period
  'not_yet_valid', // a certificate of the chain is not valid yet
  'key_mismatch', // the evidence speaks for another key than the one being enrolled
] as const;
export type AttestationRejection = (typeof ATTESTATION_REJECTIONS)[number];

/** An attestation check's outcome: a refusal is a value, not an exception. */
export type AttestationVerdict =
  | { readonly ok: true; readonly managed: boolean }
  | { readonly ok: false; readonly reason: AttestationRejection };

/**
 * Checks the evidence a device presents at enrollment and says whether the device is managed
 * (the policy can require managed devices). One implementation per format; the enrollment
 * refuses formats no verifier is configured for.
 */
export interface AttestationVerifier {
  readonly format: AttestationFormat;
  verify(
    evidence: string,
    subject: AttestationSubject,
    options?: { readonly signal?: AbortSignal; readonly now?: Date },
  ): Promise<AttestationVerdict>;
}
