import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { HeraldError } from '../../errors/index.ts';
import { HttpTransportError, nodeHttpTransport, type HttpTransport } from '../rcs/http-transport.ts';

/** A token answer is a few hundred bytes; anything far larger is not one. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** The fields of a Google service account key file that FCM HTTP v1 needs. */
export interface ServiceAccount {
  readonly projectId: string;
  readonly clientEmail: string;
  readonly privateKey: KeyObject;
  /** The OAuth 2.0 token endpoint (`https://oauth2.googleapis.com/token`). */
  readonly tokenUri: string;
}

/** The OAuth scope FCM HTTP v1 asks for. */
export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

/**
 * Reads a service account key file (the JSON Google's console downloads). Throws
 * `HERALD_ERR_CONFIG_INVALID` naming the missing field; never echoes the key.
 */
export function parseServiceAccount(json: string): ServiceAccount {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(json) as Record<string, unknown>;
  } catch {
    throw invalid('the FCM service account file is not JSON');
  }
  if (typeof raw !== 'object' || raw === null || raw.type !== 'service_account')
    throw invalid('the FCM service account file is not a service_account key');
  const field = (name: string): string => {
    const v = raw[name];
    if (typeof v !== 'string' || v === '') throw invalid(`the FCM service account file has no ${name}`);
    return v;
  };
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(field('private_key'));
  } catch (err) {
    if (err instanceof HeraldError) throw err;
    throw invalid('the FCM service account private_key is not a PEM private key');
  }
  if (privateKey.asymmetricKeyType !== 'rsa') throw invalid('the FCM service account key must be RSA');
  const tokenUri = field('token_uri');
  if (!/^https:\/\//.test(tokenUri)) throw invalid('the FCM service account token_uri must be https');
  return { projectId: field('project_id'), clientEmail: field('client_email'), privateKey, tokenUri };
}

/**
 * OAuth 2.0 access tokens for FCM from a service account, by the JWT bearer grant (RFC 7523,
 * Google's "Using OAuth 2.0 for Server to Server Applications"): an RS256 assertion
 * `{ iss, scope, aud: token_uri, iat, exp }` is exchanged for an access token, which is reused
 * until five minutes before it expires. Concurrent callers share one exchange.
 */
export class ServiceAccountTokens {
  #token: { value: string; until: number } | undefined;
  #pending: Promise<string> | undefined;
  // The project's HTTP transport; one socket is plenty for one exchange an hour, and its idle
  // keep-alive socket is unref'd, so it never holds the process open at shutdown.
  readonly #http: HttpTransport;

  constructor(
    private readonly account: ServiceAccount,
    private readonly opts: { ca?: string | undefined; timeoutMs?: number; now?: () => number } = {},
  ) {
    this.#http = nodeHttpTransport({ maxSockets: 1, ca: opts.ca, maxBodyBytes: MAX_ANSWER_BYTES });
  }

  /** A current access token. Throws `HERALD_ERR_CHANNEL_AUTH_FAILED` when the exchange fails. */
  token(): Promise<string> {
    const now = this.#now();
    if (this.#token && this.#token.until > now) return Promise.resolve(this.#token.value);
    this.#pending ??= this.#exchange().finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  #now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  async #exchange(): Promise<string> {
    const iat = Math.floor(this.#now() / 1000);
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({
      iss: this.account.clientEmail,
      scope: FCM_SCOPE,
      aud: this.account.tokenUri,
      iat,
      exp: iat + 3600,
    })}`;
    const assertion = `${unsigned}.${sign('sha256', Buffer.from(unsigned), this.account.privateKey).toString('base64url')}`;
    const body = new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion,
    }).toString();
    const answer = await this.#http({
      method: 'POST',
      url: this.account.tokenUri,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
    }).catch((err: unknown) => {
      throw unreachable(err);
    });
    let parsed: { access_token?: unknown; expires_in?: unknown; error?: unknown };
    try {
      parsed = JSON.parse(answer.text) as typeof parsed;
    } catch {
      parsed = {};
    }
    if (answer.status !== 200 || typeof parsed.access_token !== 'string') {
      // The provider's error name only (e.g. `invalid_grant`): its description may echo claims.
      const detail = typeof parsed.error === 'string' ? parsed.error.slice(0, 64) : `HTTP ${answer.status}`;
      throw new HeraldError('HERALD_ERR_CHANNEL_AUTH_FAILED', { channel: 'push', detail });
    }
    const lifetime = typeof parsed.expires_in === 'number' ? parsed.expires_in : 3600;
    this.#token = { value: parsed.access_token, until: this.#now() + Math.max(0, lifetime - 300) * 1000 };
    return parsed.access_token;
  }
}

function unreachable(err: unknown): HeraldError {
  // The cause's message (a connection error, a timeout, an answer too large), never the body.
  const cause = err instanceof HttpTransportError ? err.cause : err;
  const why = cause instanceof Error ? cause.message : String(cause);
  const stage = err instanceof HttpTransportError ? `${err.stage}: ` : '';
  return new HeraldError(
    'HERALD_ERR_CHANNEL_UNAVAILABLE',
    { channel: 'push', detail: `token endpoint: ${stage}${why}`.slice(0, 200) },
    { cause: err },
  );
}

function invalid(detail: string): HeraldError {
  return new HeraldError('HERALD_ERR_CONFIG_INVALID', { detail });
}
