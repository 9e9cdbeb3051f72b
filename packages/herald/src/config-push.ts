import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { parseServiceAccount, type ServiceAccount } from './channels/push/service-account-token.ts';
import { HeraldError } from './errors/index.ts';

/** Production push providers, from `HERALD_APNS_*`, `HERALD_FCM_*` and `HERALD_PUSH_CA_FILE`. */
export interface PushConfig {
  readonly apns?: {
    readonly origin: string;
    readonly teamId: string;
    readonly keyId: string;
    readonly topic: string;
    /** The `.p8` key (PEM PKCS #8, P-256), read from `HERALD_APNS_KEY_FILE`. */
    readonly privateKey: string;
  };
  readonly fcm?: { readonly origin: string; readonly account: ServiceAccount };
  /** Extra CA certificates to trust (PEM), e.g. for a TLS-inspecting egress proxy. */
  readonly ca?: string;
}

const APNS = [
  'HERALD_APNS_KEY_FILE',
  'HERALD_APNS_KEY_ID',
  'HERALD_APNS_TEAM_ID',
  'HERALD_APNS_TOPIC',
] as const;

/**
 * Reads the push configuration; undefined when neither provider is configured. Key files are
 * read here, so a wrong path or key stops the start with `HERALD_ERR_CONFIG_INVALID` instead of
 * failing every push later. Errors name the variable, never a key.
 */
export function pushFrom(env: NodeJS.ProcessEnv): PushConfig | undefined {
  const apnsSet = APNS.filter((n) => env[n]);
  if (apnsSet.length > 0 && apnsSet.length < APNS.length) {
    throw invalid(`APNs needs all of ${APNS.join(', ')} (missing ${APNS.filter((n) => !env[n]).join(', ')})`);
  }
  const apns =
    apnsSet.length === 0
      ? undefined
      : {
          origin: httpsOrigin(env, 'HERALD_APNS_ORIGIN', 'https://api.push.apple.com'),
          teamId: env.HERALD_APNS_TEAM_ID!,
          keyId: env.HERALD_APNS_KEY_ID!,
          topic: env.HERALD_APNS_TOPIC!,
          privateKey: apnsKey(readFile(env, 'HERALD_APNS_KEY_FILE')),
        };
  const fcm = env.HERALD_FCM_SERVICE_ACCOUNT_FILE
    ? {
        origin: httpsOrigin(env, 'HERALD_FCM_ORIGIN', 'https://fcm.googleapis.com'),
        account: parseServiceAccount(readFile(env, 'HERALD_FCM_SERVICE_ACCOUNT_FILE')),
      }
    : undefined;
  if (!apns && !fcm) return undefined;
  const ca = env.HERALD_PUSH_CA_FILE ? readFile(env, 'HERALD_PUSH_CA_FILE') : undefined;
  return { ...(apns ? { apns } : {}), ...(fcm ? { fcm } : {}), ...(ca ? { ca } : {}) };
}

function apnsKey(pem: string): string {
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return pem;
  } catch {
    // Reported below, without the parser's message (which may quote the file).
  }
  throw invalid('HERALD_APNS_KEY_FILE must hold a P-256 private key (the .p8 file)');
}

function readFile(env: NodeJS.ProcessEnv, name: string): string {
  try {
    return readFileSync(env[name]!, 'utf8');
  } catch {
    throw invalid(`${name} cannot be read`);
  }
}

function httpsOrigin(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const v = env[name] || fallback;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw invalid(`${name} is not a URL`);
  }
  if (u.protocol !== 'https:' || u.pathname !== '/') throw invalid(`${name} must be an https:// origin`);
  return u.origin;
}

function invalid(detail: string): HeraldError {
  return new HeraldError('HERALD_ERR_CONFIG_INVALID', { detail });
}
