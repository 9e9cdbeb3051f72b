import type { Channel } from './channels/channel-adapter.ts';
import { parsePriceTable, parseRateCaps, type PriceTable } from './delivery/price-table.ts';
import { pushFrom, type PushConfig } from './config-push.ts';
import { HeraldError } from './errors/index.ts';
import { parseDuration } from './policy/duration.ts';

/** Everything Herald reads from its environment, parsed once and validated. */
export interface Config {
  readonly host: string;
  readonly port: number;
  /** Browser origins allowed to call the API (`HERALD_CORS_ORIGINS`, comma-separated). */
  readonly corsOrigins: readonly string[];
  readonly dataDir: string;
  readonly databaseUrl: string;
  /** Base64 of 32 bytes; when absent, a key file in `dataDir` is used (created in sandbox mode). */
  readonly masterKey: string | undefined;
  readonly smpp: SmppConfig | undefined;
  /** RCS Business Messaging: `HERALD_RBM_URL`, `_AGENT`, `_TOKEN`, `_CLIENT_TOKEN`. */
  readonly rbm: RbmConfig | undefined;
  /** Email: `HERALD_SMTP_URL` (`smtp://user:pass@host:port`) and `HERALD_EMAIL_FROM`. */
  readonly smtp: SmtpConfig | undefined;
  /** Push: `HERALD_APNS_*` and/or `HERALD_FCM_SERVICE_ACCOUNT_FILE` (see config-push.ts). */
  readonly push: PushConfig | undefined;
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly workerConcurrency: number;
  /** How long a claimed job stays with its worker; a crashed worker's jobs return after this. */
  readonly leaseMs: number;
  readonly retentionClasses: readonly string[];
  /** How long replies are kept (`HERALD_INBOUND_RETENTION`, a duration such as `30d`). */
  readonly inboundRetentionMs: number;
  /** How often a worker crypto-shreds expired journal records (`HERALD_JOURNAL_RETENTION_INTERVAL_MS`). */
  readonly journalRetentionIntervalMs: number;
  /** How long a device's inbox item waits to be fetched (`HERALD_SECURE_QUEUE_TTL_MS`, default 7 days). */
  readonly secureQueueTtlMs: number;
  /** How often a worker deletes expired inbox items (`HERALD_SECURE_QUEUE_EXPIRY_INTERVAL_MS`). */
  readonly secureQueueExpiryIntervalMs: number;
  readonly defaultRetention: string;
  readonly simulatorProfile: string | undefined;
  /** The routing policy file (`HERALD_POLICY_FILE`), watched for changes; the shipped default otherwise. */
  readonly policyFile: string | undefined;
  /** Price per attempt and channel (`HERALD_PRICES=sms=0.0075,rcs=0.01`). */
  readonly prices: PriceTable;
  /** Sends per second and channel (`HERALD_RATE_CAPS=sms=100`). */
  readonly rateCaps: Readonly<Partial<Record<Channel, number>>>;
  /**
   * `herald serve` runs its delivery worker in a worker thread, on a second core
   * (`HERALD_WORKER_THREAD`, `on` by default; `off` keeps API and worker on one thread).
   */
  readonly workerThread: boolean;
}

export interface SmppConfig {
  readonly host: string;
  readonly port: number;
  readonly systemId: string;
  readonly password: string;
  readonly sourceAddr: string;
}

export interface RbmConfig {
  readonly baseUrl: string;
  readonly agentId: string;
  readonly accessToken: string;
  readonly clientToken: string;
}

export interface SmtpConfig {
  readonly host: string;
  readonly port: number;
  readonly from: string;
  readonly auth?: { readonly user: string; readonly pass: string };
}

function rbmFrom(env: NodeJS.ProcessEnv): RbmConfig | undefined {
  if (!env.HERALD_RBM_URL) return undefined;
  const [agentId, accessToken, clientToken] = [
    env.HERALD_RBM_AGENT,
    env.HERALD_RBM_TOKEN,
    env.HERALD_RBM_CLIENT_TOKEN,
  ];
  if (!agentId || !accessToken || !clientToken) {
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', {
      detail: 'HERALD_RBM_URL needs HERALD_RBM_AGENT, _TOKEN and _CLIENT_TOKEN',
    });
  }
  return { baseUrl: env.HERALD_RBM_URL, agentId, accessToken, clientToken };
}

function smtpFrom(env: NodeJS.ProcessEnv): SmtpConfig | undefined {
  if (!env.HERALD_SMTP_URL) return undefined;
  let u: URL;
  try {
    u = new URL(env.HERALD_SMTP_URL);
  } catch {
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', { detail: 'HERALD_SMTP_URL is not a URL' });
  }
  if (u.protocol !== 'smtp:' || !env.HERALD_EMAIL_FROM) {
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', {
      detail: 'HERALD_SMTP_URL must be smtp://… and HERALD_EMAIL_FROM set',
    });
  }
  return {
    host: u.hostname,
    port: Number(u.port || 587),
    from: env.HERALD_EMAIL_FROM,
    ...(u.username
      ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } }
      : {}),
  };
}

/**
 * Parses `HERALD_CORS_ORIGINS`: a comma-separated list of exact origins (`https://app.example`).
 * `*` is refused: a page that holds a device's token should be one the operator named.
 */
export function parseCorsOrigins(text: string): string[] {
  const origins = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const o of origins) {
    let url: URL | undefined;
    try {
      url = new URL(o);
    } catch {
      url = undefined;
    }
    if (url === undefined || !/^https?:$/.test(url.protocol) || url.origin !== o) {
      throw new HeraldError('HERALD_ERR_CONFIG_INVALID', {
        detail:
          'HERALD_CORS_ORIGINS must list origins such as https://app.example (scheme, host, optional port; no path, no *)',
      });
    }
  }
  return origins;
}

function inboundRetention(text: string): number {
  const ms = parseDuration(text);
  // Shorter than an hour would forget replies inside an SMSC's redelivery window (ten minutes),
  // so a redelivered reply would be recorded twice.
  if (ms === undefined || ms < 3_600_000) {
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', {
      detail: 'HERALD_INBOUND_RETENTION must be a duration of at least 1h, such as 30d',
    });
  }
  return ms;
}

function int(env: NodeJS.ProcessEnv, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', {
      detail: `${name} must be an integer in [${min}, ${max}]`,
    });
  }
  return n;
}

function onOff(env: NodeJS.ProcessEnv, name: string, def: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  throw new HeraldError('HERALD_ERR_CONFIG_INVALID', { detail: `${name} must be on or off` });
}

/** Parses `smpp://systemId:password@host:port`. */
export function parseSmppUrl(url: string, sourceAddr: string): SmppConfig {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', { detail: 'HERALD_SMPP_URL is not a URL' });
  }
  if (u.protocol !== 'smpp:' || !u.hostname || !u.port) {
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', {
      detail: 'HERALD_SMPP_URL must look like smpp://id:password@host:port',
    });
  }
  return {
    host: u.hostname,
    port: Number(u.port),
    systemId: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    sourceAddr,
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = env.HERALD_DATA_DIR || './data';
  const retention = (env.HERALD_RETENTION_CLASSES || 'standard,transient,30d,1y,7y')
    .split(',')
    .map((s) => s.trim());
  const defaultRetention = env.HERALD_DEFAULT_RETENTION || 'standard';
  if (!retention.includes(defaultRetention)) {
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', {
      detail: 'HERALD_DEFAULT_RETENTION is not a retention class',
    });
  }
  return {
    host: env.HERALD_HOST || '127.0.0.1',
    port: int(env, 'PORT', 8080, 0, 65535),
    corsOrigins: parseCorsOrigins(env.HERALD_CORS_ORIGINS ?? ''),
    dataDir,
    databaseUrl: env.HERALD_DATABASE_URL || `${dataDir}/herald.db`,
    masterKey: env.HERALD_MASTER_KEY || undefined,
    smpp: env.HERALD_SMPP_URL
      ? parseSmppUrl(env.HERALD_SMPP_URL, env.HERALD_SMPP_SOURCE || 'Herald')
      : undefined,
    rbm: rbmFrom(env),
    smtp: smtpFrom(env),
    push: pushFrom(env),
    maxAttempts: int(env, 'HERALD_MAX_ATTEMPTS', 6, 1, 100),
    retryBaseMs: int(env, 'HERALD_RETRY_BASE_MS', 1000, 1, 3_600_000),
    retryMaxMs: int(env, 'HERALD_RETRY_MAX_MS', 60_000, 1, 86_400_000),
    workerConcurrency: int(env, 'HERALD_WORKER_CONCURRENCY', 64, 1, 4096),
    leaseMs: int(env, 'HERALD_LEASE_MS', 60_000, 2_000, 3_600_000),
    retentionClasses: retention,
    inboundRetentionMs: inboundRetention(env.HERALD_INBOUND_RETENTION || '30d'),
    journalRetentionIntervalMs: int(env, 'HERALD_JOURNAL_RETENTION_INTERVAL_MS', 600_000, 1000, 86_400_000),
    secureQueueTtlMs: int(env, 'HERALD_SECURE_QUEUE_TTL_MS', 7 * 86_400_000, 1000, 90 * 86_400_000),
    secureQueueExpiryIntervalMs: int(env, 'HERALD_SECURE_QUEUE_EXPIRY_INTERVAL_MS', 60_000, 1000, 86_400_000),
    defaultRetention,
    simulatorProfile: env.HERALD_SIMULATOR_PROFILE || undefined,
    policyFile: env.HERALD_POLICY_FILE || undefined,
    prices: parsePriceTable(env.HERALD_PRICES ?? 'sms=0.0075,rcs=0.005,email=0.0002,push=0,secure=0'),
    rateCaps: parseRateCaps(env.HERALD_RATE_CAPS ?? ''),
    workerThread: onOff(env, 'HERALD_WORKER_THREAD', true),
  };
}
