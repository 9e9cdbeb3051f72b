import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { HeraldError } from '../errors/index.ts';
import type {
  AttestationRejection,
  AttestationSubject,
  AttestationVerdict,
  AttestationVerifier,
} from './attestation-verifier.ts';

const PEM_CERT = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----/g;
/** Leaf, a few intermediates, perhaps the root: longer chains are refused unread. */
const MAX_CHAIN = 5;

const refuse = (reason: AttestationRejection): AttestationVerdict => ({ ok: false, reason });

/**
 * MDM attestation by X.509: the evidence is a PEM chain, leaf first, that must chain to the
 * configured MDM CA certificate (`HERALD_MDM_CA_FILE`), every certificate within its validity
 * period and every signature verified with `node:crypto`. The leaf must certify the very
 * Ed25519 key being enrolled: a certificate is public, so a chain that speaks for some other key
 * would prove nothing about this device (anyone could replay it).
 */
export class X509AttestationVerifier implements AttestationVerifier {
  readonly format = 'x509' as const;
  readonly #ca: X509Certificate;

  /** @param caPem the MDM CA certificate (PEM); refused unless it is a CA certificate. */
  constructor(caPem: string) {
    let ca: X509Certificate;
    try {
      ca = new X509Certificate(caPem);
    } catch (cause) {
      throw new HeraldError(
        'HERALD_ERR_CONFIG_INVALID',
        { detail: 'the MDM CA is not a PEM certificate' },
        { cause },
      );
    }
    if (!ca.ca)
      throw new HeraldError('HERALD_ERR_CONFIG_INVALID', { detail: 'the MDM CA certificate is not a CA' });
    this.#ca = ca;
  }

  static fromFile(path: string): X509AttestationVerifier {
    let pem: string;
    try {
      pem = readFileSync(path, 'utf8');
    } catch (cause) {
      throw new HeraldError(
        'HERALD_ERR_CONFIG_INVALID',
        { detail: 'HERALD_MDM_CA_FILE is not readable' },
        { cause },
      );
    }
    return new X509AttestationVerifier(pem);
  }

  verify(
    evidence: string,
    subject: AttestationSubject,
    options: { signal?: AbortSignal; now?: Date } = {},
  ): Promise<AttestationVerdict> {
    options.signal?.throwIfAborted();
    return Promise.resolve(
      this.#check(evidence, subject.signatureKey, (options.now ?? new Date()).getTime()),
    );
  }

  #check(evidence: string, signatureKey: Uint8Array, now: number): AttestationVerdict {
    const pems = evidence.match(PEM_CERT) ?? [];
    // Nothing but certificates and whitespace, and not too many of them.
    if (pems.length === 0 || pems.length > MAX_CHAIN || evidence.replace(PEM_CERT, '').trim() !== '')
      return refuse('malformed');
    let chain: X509Certificate[];
    try {
      chain = pems.map((p) => new X509Certificate(p));
    } catch {
      return refuse('malformed');
    }
    // A chain may end with the CA itself; it is the configured copy that is trusted.
    if (chain.length > 1 && chain.at(-1)!.fingerprint256 === this.#ca.fingerprint256) chain.pop();
    for (const cert of [...chain, this.#ca]) {
      if (Date.parse(cert.validFrom) > now) return refuse('not_yet_valid');
      if (Date.parse(cert.validTo) < now) return refuse('expired');
    }
    const leaf = chain[0]!;
    if (leaf.ca) return refuse('untrusted');
    for (let i = 0; i < chain.length; i++) {
      const issuer = chain[i + 1] ?? this.#ca;
      // Intermediates must be CAs (basicConstraints); checkIssued matches names and key ids.
      if (!issuer.ca || !chain[i]!.checkIssued(issuer) || !chain[i]!.verify(issuer.publicKey))
        return refuse('untrusted');
    }
    return sameKey(leaf, signatureKey) ? { ok: true, managed: true } : refuse('key_mismatch');
  }
}

/** Whether the leaf's subject key is the raw Ed25519 key `raw`. */
function sameKey(leaf: X509Certificate, raw: Uint8Array): boolean {
  const key = leaf.publicKey;
  if (key.asymmetricKeyType !== 'ed25519') return false;
  const x = key.export({ format: 'jwk' }).x;
  return x !== undefined && Buffer.from(x, 'base64url').equals(raw);
}
