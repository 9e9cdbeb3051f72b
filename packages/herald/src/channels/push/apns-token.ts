import { createPrivateKey, sign, type KeyObject } from 'node:crypto';

/**
 * APNs provider authentication tokens (Apple, "Establishing a token-based connection to
 * APNs"): a JWT with header `{ alg: ES256, kid }` and claims `{ iss: teamId, iat }`, signed with
 * the team's P-256 key. APNs refuses a token older than an hour and one refreshed more often than
 * every 20 minutes, so a token is reused for `refreshMs` (default 50 minutes).
 */
export class ApnsTokenSigner {
  readonly #teamId: string;
  readonly #keyId: string;
  readonly #key: KeyObject;
  readonly #refreshMs: number;
  readonly #now: () => number;
  #token: string | undefined;
  #issuedAt = 0;

  constructor(opts: {
    teamId: string;
    keyId: string;
    /** The `.p8` key: PEM PKCS #8 (or a KeyObject). */
    privateKey: string | KeyObject;
    refreshMs?: number;
    now?: () => number;
  }) {
    this.#teamId = opts.teamId;
    this.#keyId = opts.keyId;
    this.#key = typeof opts.privateKey === 'string' ? createPrivateKey(opts.privateKey) : opts.privateKey;
    if (this.#key.asymmetricKeyType !== 'ec')
      throw new TypeError('the APNs signing key must be an EC P-256 key');
    this.#refreshMs = opts.refreshMs ?? 50 * 60_000;
    this.#now = opts.now ?? Date.now;
  }

  /** The current token, made anew once it is `refreshMs` old. */
  token(): string {
    const now = this.#now();
    if (this.#token === undefined || now - this.#issuedAt >= this.#refreshMs) {
      this.#issuedAt = now;
      this.#token = signJwt(
        this.#key,
        { alg: 'ES256', kid: this.#keyId },
        { iss: this.#teamId, iat: Math.floor(now / 1000) },
      );
    }
    return this.#token;
  }

  /** Forgets the token, e.g. after APNs answered ExpiredProviderToken. */
  reset(): void {
    this.#token = undefined;
  }
}

/** A compact JWS (RFC 7515) with ES256 (RFC 7518 §3.4: the raw r‖s signature, not DER). */
export function signJwt(key: KeyObject, header: object, claims: object): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

function b64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
