import { createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { constants, createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { SILENT_LOGGER, type SmppLogger } from '../../channels/sms/smpp-adapter-options.ts';
import { behaviourFor, drawMs, inOutage, SimTimers } from '../control/behaviour.ts';
import type { BadResponse } from '../control/fault-state.ts';
import { FaultState } from '../control/fault-state.ts';
import { listen } from '../control/http-helpers.ts';
import { selfSignedCert } from '../control/self-signed-cert.ts';
import { loadProfile, type SimulatorProfile } from '../profile.ts';
import type { PushFault, PushProfile } from '../profile-push.ts';
import { hashSeed, mulberry32 } from '../prng.ts';
import { TokenBucket } from '../smsc/token-bucket.ts';
import { checkApnsToken } from './apns-auth.ts';
import { simServiceAccount, type SimServiceAccount, type SimTokenEndpoint } from './oauth-token.ts';
import { PushCounters, type PushStats, type ReceivedPush } from './push-stats.ts';

/** How to start the simulated push providers. */
export interface StartPushOptions {
  readonly host?: string;
  /** Default 0 (an ephemeral port). */
  readonly port?: number;
  readonly profile?: SimulatorProfile;
  readonly profilePath?: string;
  readonly faults?: FaultState;
  readonly logger?: SmppLogger;
}

/** Everything an adapter needs to talk to the simulator. */
export interface PushSandboxCredentials {
  readonly apns: {
    readonly teamId: string;
    readonly keyId: string;
    readonly topic: string;
    readonly privateKey?: string;
  };
  readonly fcm: {
    readonly projectId: string;
    readonly accessToken: string;
    /**
     * A Google service account key file (JSON) whose `token_uri` is this simulator's token
     * endpoint, to configure Herald the way production FCM is configured. Made on first read.
     */
    readonly serviceAccountJson: string;
  };
}

/** A running simulated APNs + FCM endpoint. */
export interface PushHandle {
  readonly host: string;
  readonly port: number;
  /** `https://host:port`: the APNs origin and the FCM origin. */
  readonly url: string;
  /** The self-signed certificate to trust (the adapter's `ca`). */
  readonly ca: string;
  /** Credentials the simulator accepts; `privateKey` is set when it made the APNs key itself. */
  readonly credentials: PushSandboxCredentials;
  readonly faults: FaultState;
  stats(): PushStats;
  /** Access tokens the OAuth endpoint issued (a client should reuse one, not exchange per push). */
  oauthTokensIssued(): number;
  /** Every notification accepted, oldest first. */
  received(): readonly ReceivedPush[];
  /** Notifications a device shows for a reference: accepted ones, collapsed by device and collapse id. */
  shownFor(ref: string): number;
  close(): Promise<void>;
}

type Res = Http2ServerResponse;
type Provider = 'apns' | 'fcm';

/**
 * Starts one HTTPS server (HTTP/2, and HTTP/1.1 for curl) shaped like APNs
 * (`POST /3/device/{token}`, provider-token JWT auth) and FCM HTTP v1
 * (`POST /v1/projects/{project}/messages:send`, OAuth bearer), with a self-signed certificate
 * made at start. Per-token rules, random failures, throttling and outages come from the profile.
 */
export async function startPush(options: StartPushOptions = {}): Promise<PushHandle> {
  const profile = options.profile ?? loadProfile(options.profilePath);
  const push = profile.push;
  const host = options.host ?? '127.0.0.1';
  const log = options.logger ?? SILENT_LOGGER;
  const faults = options.faults ?? new FaultState();
  const timers = new SimTimers();
  const counters = new PushCounters();
  const received: ReceivedPush[] = [];
  const shown = new Map<string, Set<string>>();
  const attempts = new Map<string, number>();
  const startedAt = Date.now();
  let privatePem: string | undefined;
  let publicKey: KeyObject;
  if (push.apns.publicKey !== undefined) publicKey = createPublicKey(push.apns.publicKey);
  else {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    publicKey = pair.publicKey;
    privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }
  const throttle =
    push.behaviour.throttlePerSecond > 0 ? new TokenBucket(push.behaviour.throttlePerSecond) : undefined;
  const tls = selfSignedCert(
    host === '127.0.0.1' || host === 'localhost' ? ['localhost', '127.0.0.1'] : [host],
  );

  const ctx: PushContext = {
    push,
    seed: profile.seed,
    faults,
    timers,
    counters,
    received,
    shown,
    attempts,
    startedAt,
    publicKey,
    throttle,
    tokens: undefined,
  };
  const server = createSecureServer({ key: tls.key, cert: tls.cert, allowHTTP1: true }, (req, res) => {
    void handle(ctx, req, res).catch((err: unknown) => {
      log.error({ error: err instanceof Error ? err.name : 'unknown' }, 'push: request failed');
      if (!res.headersSent) json(res, 500, { reason: 'InternalServerError' });
    });
  });
  // A client that drops a connection must not take the simulator down.
  server.on('sessionError', () => {});
  // Neither HTTP/2 sessions nor kept-alive HTTP/1.1 sockets end by themselves: track the TLS
  // sockets under both so close() can end them.
  const sockets = new Set<{ destroy(): void }>();
  server.on('secureConnection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server, host, options.port ?? 0);
  log.info({ host, port }, 'push: listening');
  const url = `https://${host}:${port}`;
  // Made on first read: an RSA key takes a while, and most runs never need the account.
  let account: SimServiceAccount | undefined;
  const serviceAccountJson = (): string => {
    account ??= simServiceAccount(push.fcm.projectId, `${url}/token`);
    ctx.tokens = account.endpoint;
    return account.json;
  };

  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    url,
    ca: tls.cert,
    credentials: {
      apns: {
        teamId: push.apns.teamId,
        keyId: push.apns.keyId,
        topic: push.apns.topic,
        ...(privatePem === undefined ? {} : { privateKey: privatePem }),
      },
      fcm: {
        projectId: push.fcm.projectId,
        accessToken: push.fcm.token,
        get serviceAccountJson() {
          return serviceAccountJson();
        },
      },
    },
    faults,
    stats: () => counters.snapshot(),
    oauthTokensIssued: () => ctx.tokens?.issuedCount ?? 0,
    received: () => [...received],
    shownFor: (ref) => shown.get(ref)?.size ?? 0,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        timers.clear();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      })),
  };
}

interface PushContext {
  readonly push: PushProfile;
  readonly seed: number;
  readonly faults: FaultState;
  readonly timers: SimTimers;
  readonly counters: PushCounters;
  readonly received: ReceivedPush[];
  readonly shown: Map<string, Set<string>>;
  readonly attempts: Map<string, number>;
  readonly startedAt: number;
  readonly publicKey: KeyObject;
  readonly throttle: TokenBucket | undefined;
  /** The OAuth token endpoint, once a service account key file was handed out. */
  tokens: SimTokenEndpoint | undefined;
}

async function handle(ctx: PushContext, req: Http2ServerRequest, res: Res): Promise<void> {
  ctx.counters.requests++;
  const body = await readAll(req);
  const path = req.url ?? '/';
  if (path === '/token' && req.method === 'POST' && ctx.tokens !== undefined) {
    const answer = ctx.tokens.exchange(body);
    return json(res, 'error' in answer ? 400 : 200, answer);
  }
  const apns = /^\/3\/device\/([^/?]+)$/.exec(path);
  const fcm = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(path);
  if (req.method !== 'POST' || (apns === null && fcm === null)) {
    return apns !== null || fcm !== null
      ? json(res, 405, { reason: 'MethodNotAllowed' })
      : json(res, 404, { reason: 'BadPath' });
  }
  const provider: Provider = apns !== null ? 'apns' : 'fcm';
  const problem =
    provider === 'apns' ? checkApns(ctx, req.headers, body) : checkFcm(ctx, fcm![1]!, req.headers, body);
  if (problem !== undefined) {
    ctx.counters.refused++;
    return refuse(res, provider, problem.status, problem.reason);
  }
  const token = provider === 'apns' ? apns![1]!.toLowerCase() : fcmToken(body)!;
  const collapse = provider === 'apns' ? header(req.headers, 'apns-collapse-id') : fcmCollapseKey(body);
  const key = header(req.headers, 'apns-id') ?? collapse ?? token;
  const attempt = (ctx.attempts.get(key) ?? 0) + 1;
  ctx.attempts.set(key, attempt);
  const random = mulberry32(hashSeed(ctx.seed, 'push', key, attempt));
  const address = `${provider}:${token}`;
  const rule = ctx.push.recipients.get(address);
  const b = behaviourFor(ctx.push.behaviour, ctx.push.regions, (k) => (k === provider ? 1 : 0));
  await ctx.timers.sleep(drawMs(random, rule?.latencyMs ?? b.latencyMs) + ctx.faults.slowMs);
  let fault: PushFault | undefined = rule?.fault;
  if (ctx.faults.isDown || inOutage(b.outages, Date.now() - ctx.startedAt)) fault = 'unavailable';
  else if (ctx.throttle !== undefined && !ctx.throttle.take()) fault = 'throttled';
  else if (fault === undefined && random() < b.failureRate) fault = 'internal';
  if (fault !== undefined) return answerFault(ctx, res, provider, fault);
  if (provider === 'apns' && !/^[0-9a-f]{64,200}$/.test(token)) {
    ctx.counters.badToken++;
    return refuse(res, 'apns', 400, 'BadDeviceToken');
  }
  const headers = Object.fromEntries(
    Object.entries(req.headers).filter(
      ([k, v]) => typeof v === 'string' && k !== 'authorization' && !k.startsWith(':'),
    ),
  ) as Record<string, string>;
  ctx.received.push({ provider, token, headers, payload: body, collapseId: collapse, at: new Date() });
  const ref = heraldRef(provider, body);
  if (ref !== undefined) {
    const seen = ctx.shown.get(ref) ?? new Set<string>();
    const slot = `${address}|${collapse ?? key + String(attempt)}`;
    if (seen.has(slot)) ctx.counters.collapsed++;
    seen.add(slot);
    ctx.shown.set(ref, seen);
  }
  if (provider === 'apns') ctx.counters.apnsAccepted++;
  else ctx.counters.fcmAccepted++;
  // As with RBM, a malformed answer comes after acceptance: the hard case for the client.
  const bad = ctx.faults.takeBadResponse();
  if (bad !== undefined) {
    ctx.counters.badResponses++;
    return sendBad(res, bad);
  }
  if (provider === 'apns') {
    const id = header(req.headers, 'apns-id') ?? randomUUID();
    res.writeHead(200, { 'apns-id': id, 'content-length': '0' });
    res.end();
    return;
  }
  json(res, 200, {
    name: `projects/${ctx.push.fcm.projectId}/messages/0:${Date.now()}%${attempt}${key.length}`,
  });
}

function checkApns(
  ctx: PushContext,
  headers: IncomingHttpHeaders,
  body: string,
): { status: number; reason: string } | undefined {
  const auth = checkApnsToken(header(headers, 'authorization'), {
    teamId: ctx.push.apns.teamId,
    keyId: ctx.push.apns.keyId,
    publicKey: ctx.publicKey,
  });
  if (auth !== undefined) return { status: 403, reason: auth };
  const topic = header(headers, 'apns-topic');
  if (topic === undefined) return { status: 400, reason: 'MissingTopic' };
  if (topic !== ctx.push.apns.topic) return { status: 400, reason: 'TopicDisallowed' };
  if (Buffer.byteLength(body) > 4096) return { status: 413, reason: 'PayloadTooLarge' };
  const collapse = header(headers, 'apns-collapse-id');
  if (collapse !== undefined && Buffer.byteLength(collapse) > 64)
    return { status: 400, reason: 'BadCollapseId' };
  const id = header(headers, 'apns-id');
  if (id !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
    return { status: 400, reason: 'BadMessageId' };
  const payload = parse(body);
  if (payload === undefined || typeof (payload as { aps?: unknown }).aps !== 'object')
    return { status: 400, reason: 'PayloadEmpty' };
  return undefined;
}

function checkFcm(
  ctx: PushContext,
  project: string,
  headers: IncomingHttpHeaders,
  body: string,
): { status: number; reason: string } | undefined {
  const auth = header(headers, 'authorization');
  const bearer = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
  if (bearer === undefined || (bearer !== ctx.push.fcm.token && ctx.tokens?.accepts(bearer) !== true))
    return { status: 401, reason: 'THIRD_PARTY_AUTH_ERROR' };
  if (project !== ctx.push.fcm.projectId) return { status: 403, reason: 'SENDER_ID_MISMATCH' };
  if (fcmToken(body) === undefined) return { status: 400, reason: 'INVALID_ARGUMENT' };
  return undefined;
}

function answerFault(ctx: PushContext, res: Res, provider: Provider, fault: PushFault): void {
  const c = ctx.counters;
  const table: Record<PushFault, [number, string, string]> = {
    unregistered: [410, 'Unregistered', 'UNREGISTERED'],
    bad_token: [400, 'BadDeviceToken', 'INVALID_ARGUMENT'],
    throttled: [429, 'TooManyRequests', 'QUOTA_EXCEEDED'],
    unavailable: [503, 'ServiceUnavailable', 'UNAVAILABLE'],
    internal: [500, 'InternalServerError', 'INTERNAL'],
    invalid: [400, 'BadPayload', 'INVALID_ARGUMENT'],
    unauthorized: [403, 'InvalidProviderToken', 'THIRD_PARTY_AUTH_ERROR'],
  };
  if (fault === 'unregistered') c.unregistered++;
  else if (fault === 'bad_token') c.badToken++;
  else if (fault === 'throttled') c.throttled++;
  else if (fault === 'unavailable' || fault === 'internal') c.failed++;
  else c.refused++;
  const [apnsStatus, apnsReason, fcmCode] = table[fault];
  // FCM answers UNREGISTERED with 404 and auth failures with 401 (FCM v1 ErrorCode reference).
  const status =
    provider === 'apns'
      ? apnsStatus
      : fault === 'unregistered'
        ? 404
        : fault === 'unauthorized'
          ? 401
          : apnsStatus;
  refuse(res, provider, status, provider === 'apns' ? apnsReason : fcmCode);
}

function refuse(res: Res, provider: Provider, status: number, reason: string): void {
  if (provider === 'apns') {
    // Apple: 410 answers carry the time the token stopped being valid.
    return json(res, status, status === 410 ? { reason, timestamp: Date.now() } : { reason });
  }
  json(res, status, {
    error: {
      code: status,
      message: reason,
      status: reason === 'UNREGISTERED' ? 'NOT_FOUND' : reason,
      details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: reason }],
    },
  });
}

function sendBad(res: Res, kind: BadResponse): void {
  switch (kind) {
    case 'garbage':
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('<html>bad gateway</html>');
      return;
    case 'wrong_status':
      res.writeHead(302, { location: '/elsewhere' });
      res.end();
      return;
    case 'truncated':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
      res.write('{"name": "projects/');
      setImmediate(() => {
        if (res.stream !== undefined) res.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
        else (res as unknown as { socket?: { destroy(): void } }).socket?.destroy();
      });
      return;
  }
}

function json(res: Res, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' ? v : undefined;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function fcmToken(body: string): string | undefined {
  const token = (parse(body) as { message?: { token?: unknown } } | undefined)?.message?.token;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

function fcmCollapseKey(body: string): string | undefined {
  const key = (parse(body) as { message?: { android?: { collapse_key?: unknown } } } | undefined)?.message
    ?.android?.collapse_key;
  return typeof key === 'string' ? key : undefined;
}

function heraldRef(provider: Provider, body: string): string | undefined {
  const doc = parse(body) as
    { herald?: { ref?: unknown }; message?: { data?: { herald_ref?: unknown } } } | undefined;
  const ref = provider === 'apns' ? doc?.herald?.ref : doc?.message?.data?.herald_ref;
  return typeof ref === 'string' ? ref : undefined;
}

async function readAll(req: Http2ServerRequest): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
