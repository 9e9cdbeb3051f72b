import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { FCM_SCOPE } from '../../channels/push/service-account-token.ts';

/** A service account made for the simulator: its key file, and the endpoint that trusts it. */
export interface SimServiceAccount {
  /** A Google service account key file (JSON) whose `token_uri` is the simulator's endpoint. */
  readonly json: string;
  readonly endpoint: SimTokenEndpoint;
}

/** Makes a service account of `projectId` whose tokens `tokenUri` (the simulator) issues. */
export function simServiceAccount(projectId: string, tokenUri: string): SimServiceAccount {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const clientEmail = `herald@${projectId}.iam.gserviceaccount.com`;
  return {
    json: JSON.stringify({
      type: 'service_account',
      project_id: projectId,
      client_email: clientEmail,
      private_key: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      token_uri: tokenUri,
    }),
    endpoint: new SimTokenEndpoint({ clientEmail, publicKey: pair.publicKey, tokenUri, scope: FCM_SCOPE }),
  };
}

/** The service account the simulated token endpoint trusts. */
export interface TrustedAccount {
  readonly clientEmail: string;
  readonly publicKey: KeyObject;
  /** The endpoint's own URL: the assertion's `aud` must name it. */
  readonly tokenUri: string;
  readonly scope: string;
}

/** An OAuth 2.0 error answer (RFC 6749 §5.2). */
export interface TokenRefusal {
  readonly error: 'invalid_request' | 'unsupported_grant_type' | 'invalid_grant' | 'invalid_scope';
}

/**
 * Google's OAuth 2.0 token endpoint for service accounts, shaped as the JWT bearer grant
 * (RFC 7523 §2.1): checks the form, the RS256 signature by the account's key, `iss`, `aud`,
 * `scope` and a lifetime of at most an hour, then issues an access token valid for `ttlSeconds`.
 */
export class SimTokenEndpoint {
  readonly #issued = new Map<string, number>();

  constructor(
    private readonly account: TrustedAccount,
    private readonly ttlSeconds = 3600,
  ) {}

  /** Answers one form-encoded token request. */
  exchange(
    form: string,
    now = Date.now(),
  ): { access_token: string; expires_in: number; token_type: 'Bearer' } | TokenRefusal {
    const params = new URLSearchParams(form);
    if (params.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
      return { error: 'unsupported_grant_type' };
    const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(params.get('assertion') ?? '');
    if (m === null) return { error: 'invalid_request' };
    const [, h, c, s] = m;
    let header: { alg?: unknown };
    let claims: { iss?: unknown; aud?: unknown; scope?: unknown; iat?: unknown; exp?: unknown };
    try {
      header = JSON.parse(Buffer.from(h!, 'base64url').toString('utf8')) as typeof header;
      claims = JSON.parse(Buffer.from(c!, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return { error: 'invalid_request' };
    }
    if (header.alg !== 'RS256') return { error: 'invalid_grant' };
    if (!verify('sha256', Buffer.from(`${h}.${c}`), this.account.publicKey, Buffer.from(s!, 'base64url')))
      return { error: 'invalid_grant' };
    if (claims.iss !== this.account.clientEmail || claims.aud !== this.account.tokenUri)
      return { error: 'invalid_grant' };
    const t = now / 1000;
    if (
      typeof claims.iat !== 'number' ||
      typeof claims.exp !== 'number' ||
      claims.exp - claims.iat > 3600 ||
      claims.iat > t + 60 ||
      claims.exp < t
    )
      return { error: 'invalid_grant' };
    if (typeof claims.scope !== 'string' || !claims.scope.split(' ').includes(this.account.scope))
      return { error: 'invalid_scope' };
    const token = `ya29.sim-${randomBytes(24).toString('base64url')}`;
    this.#issued.set(token, now + this.ttlSeconds * 1000);
    return { access_token: token, expires_in: this.ttlSeconds, token_type: 'Bearer' };
  }

  /** Whether `token` was issued here and has not expired. */
  accepts(token: string, now = Date.now()): boolean {
    const until = this.#issued.get(token);
    return until !== undefined && until > now;
  }

  /** How many access tokens were issued (a client should reuse one, not exchange per push). */
  get issuedCount(): number {
    return this.#issued.size;
  }
}
