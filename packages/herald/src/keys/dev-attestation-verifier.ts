import type { AttestationVerdict, AttestationVerifier } from './attestation-verifier.ts';

/**
 * Development attestation: accepts any evidence and marks the device unmanaged, exactly as if
 * it had presented none. It proves nothing, so it can never make a device `managed`.
 */
export class DevAttestationVerifier implements AttestationVerifier {
  readonly format = 'dev' as const;

  verify(_evidence: string, _subject: unknown, options: { signal?: AbortSignal } = {}) {
    options.signal?.throwIfAborted();
    return Promise.resolve<AttestationVerdict>({ ok: true, managed: false });
  }
}
