import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { SILENT_LOGGER, type SmppLogger } from '../../channels/sms/smpp-adapter-options.ts';
import { SimTimers, inOutage } from '../control/behaviour.ts';
import { EventPoster } from '../control/event-poster.ts';
import { FaultState } from '../control/fault-state.ts';
import { listen, readBody, sendBadResponse, sendGoogleError, sendJson } from '../control/http-helpers.ts';
import { loadProfile, type SimulatorProfile } from '../profile.ts';
import type { RbmProfile, RcsCapability } from '../profile-rbm.ts';
import { hashSeed, mulberry32 } from '../prng.ts';
import { TokenBucket } from '../smsc/token-bucket.ts';
import { capabilityOf, decideRbmSend, type RbmPlan } from './rbm-decide.ts';
import { rbmEvent, rbmUserMessage, signedEnvelope, type RbmEventType } from './rbm-events.ts';
import { RbmCounters, type RbmStats } from './rbm-stats.ts';
import { checkAgentMessage } from './rbm-validate.ts';

/** How to start the simulated RBM platform. */
export interface StartRbmOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (an ephemeral port). */
  readonly port?: number;
  /** A validated profile; wins over `profilePath`. */
  readonly profile?: SimulatorProfile;
  readonly profilePath?: string;
  /** The agent's webhook; events wait until one is set (`setWebhookUrl`). */
  readonly webhookUrl?: string;
  /** Faults to obey; default: a fresh set, reachable as `handle.faults`. */
  readonly faults?: FaultState;
  readonly logger?: SmppLogger;
}

/** The simulator's record of one accepted agent message. */
export interface RbmMessageState {
  readonly phone: string;
  readonly state: 'pending' | 'delivered' | 'read' | 'revoked' | 'expired';
  /** The AgentMessage body as received (tests inspect the wire shape). */
  readonly body: unknown;
}

/** A running simulated RBM platform. */
export interface RbmHandle {
  readonly host: string;
  readonly port: number;
  /** `http://host:port`: the adapter's `baseUrl`. */
  readonly url: string;
  readonly agentId: string;
  /** The bearer token the API accepts ('' accepts any). */
  readonly token: string;
  /** The HMAC key of `X-Goog-Signature` (the adapter's `clientToken`). */
  readonly clientToken: string;
  readonly faults: FaultState;
  stats(): RbmStats;
  setWebhookUrl(url: string | undefined): void;
  /** Changes a number's capability at runtime (a device that gains or loses RCS). */
  setCapability(phone: string, capability: RcsCapability): void;
  /** The accepted message with this id, if any. */
  message(messageId: string): RbmMessageState | undefined;
  /** Sends a user message from `phone` to the agent's webhook. */
  userReply(phone: string, reply: { text: string; postbackData?: string }): void;
  close(): Promise<void>;
}

interface Stored {
  phone: string;
  state: RbmMessageState['state'];
  body: unknown;
}

/**
 * Starts an HTTP server shaped like the RCS Business Messaging REST API v1:
 * `GET /v1/phones/{E.164}/capabilities`, `POST /v1/phones/{E.164}/agentMessages?messageId=`
 * (de-duplicated on messageId: a repeat gets 409 ALREADY_EXISTS and is not sent again) and
 * `DELETE /v1/phones/{E.164}/agentMessages/{messageId}` (revoke). Accepted messages produce
 * signed DELIVERED / READ events (and user replies) on the configured webhook, as the profile
 * decides, deterministically from the seed and the message id.
 */
export async function startRbm(options: StartRbmOptions = {}): Promise<RbmHandle> {
  const profile = options.profile ?? loadProfile(options.profilePath);
  const rbm = profile.rbm;
  const host = options.host ?? '127.0.0.1';
  const log = options.logger ?? SILENT_LOGGER;
  const faults = options.faults ?? new FaultState();
  const timers = new SimTimers();
  const counters = new RbmCounters();
  const poster = new EventPoster({
    timers,
    retryMs: rbm.webhookRetryMs,
    maxAttempts: rbm.webhookMaxAttempts,
    url: options.webhookUrl,
  });
  const throttle =
    rbm.behaviour.throttlePerSecond > 0 ? new TokenBucket(rbm.behaviour.throttlePerSecond) : undefined;
  const capabilities = new Map<string, RcsCapability>();
  const messages = new Map<string, Stored>();
  const attempts = new Map<string, number>();
  const startedAt = Date.now();

  const capability = (phone: string): RcsCapability => capabilities.get(phone) ?? capabilityOf(rbm, phone);
  const emit = (phone: string, type: RbmEventType, messageId: string): void => {
    if (faults.droppingReceipts) {
      counters.eventsDropped++;
      return;
    }
    poster.post(signedEnvelope(rbm.agentId, rbm.clientToken, rbmEvent(rbm.agentId, phone, type, messageId)));
  };

  const ctx: RbmContext = {
    rbm,
    faults,
    timers,
    counters,
    throttle,
    startedAt,
    capability,
    emit,
    messages,
    attempts,
    poster,
    seed: profile.seed,
  };
  const server = createServer((req, res) => {
    void route(ctx, req, res).catch((err: unknown) => {
      log.error({ error: err instanceof Error ? err.name : 'unknown' }, 'rbm: request failed');
      if (!res.headersSent) sendGoogleError(res, 'internal');
      else res.destroy();
    });
  });
  const port = await listen(server, host, options.port ?? 0);
  log.info({ host, port, seed: profile.seed }, 'rbm: listening');

  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    url: `http://${host}:${port}`,
    agentId: rbm.agentId,
    token: rbm.token,
    clientToken: rbm.clientToken,
    faults,
    stats: () => counters.snapshot(poster.stats()),
    setWebhookUrl: (url) => poster.setUrl(url),
    setCapability: (phone, cap) => void capabilities.set(phone, cap),
    message: (id) => {
      const m = messages.get(id);
      return m === undefined ? undefined : { ...m };
    },
    userReply: (phone, reply) =>
      poster.post(signedEnvelope(rbm.agentId, rbm.clientToken, rbmUserMessage(rbm.agentId, phone, reply))),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        timers.clear();
        poster.close();
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

interface RbmContext {
  readonly rbm: RbmProfile;
  readonly seed: number;
  readonly faults: FaultState;
  readonly timers: SimTimers;
  readonly counters: RbmCounters;
  readonly throttle: TokenBucket | undefined;
  readonly startedAt: number;
  readonly messages: Map<string, Stored>;
  readonly attempts: Map<string, number>;
  readonly poster: EventPoster;
  capability(phone: string): RcsCapability;
  emit(phone: string, type: RbmEventType, messageId: string): void;
}

const PHONE_PATH = /^\/v1\/phones\/([^/]+)\/(capabilities|agentMessages)(?:\/([^/]+))?$/;

async function route(ctx: RbmContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  ctx.counters.requests++;
  const url = new URL(req.url ?? '/', 'http://rbm.invalid');
  const m = PHONE_PATH.exec(url.pathname);
  if (m === null) return sendGoogleError(res, 'not_found');
  const phone = decodeURIComponent(m[1]!);
  const what = m[2]!;
  const id = m[3] === undefined ? undefined : decodeURIComponent(m[3]);
  const body = await readBody(req);
  // Google APIs authenticate with an OAuth bearer token (RBM: scope rcsbusinessmessaging).
  if (ctx.rbm.token !== '' && req.headers.authorization !== `Bearer ${ctx.rbm.token}`) {
    ctx.counters.refused++;
    return sendGoogleError(res, 'unauthorized');
  }
  if (url.searchParams.get('agentId') !== ctx.rbm.agentId) {
    ctx.counters.refused++;
    return sendGoogleError(res, 'forbidden');
  }
  if (!/^\+[1-9][0-9]{1,14}$/.test(phone)) return sendGoogleError(res, 'invalid');
  await ctx.timers.sleep(ctx.faults.slowMs);
  if (ctx.faults.isDown || inOutage(ctx.rbm.behaviour.outages, Date.now() - ctx.startedAt)) {
    ctx.counters.failed++;
    return sendGoogleError(res, 'unavailable');
  }
  if (what === 'capabilities' && req.method === 'GET' && id === undefined)
    return capabilities(ctx, res, phone);
  if (what === 'agentMessages' && req.method === 'POST' && id === undefined) {
    return create(ctx, res, phone, url.searchParams.get('messageId') ?? '', body);
  }
  if (what === 'agentMessages' && req.method === 'DELETE' && id !== undefined)
    return revoke(ctx, res, phone, id);
  sendGoogleError(res, 'not_found');
}

function capabilities(ctx: RbmContext, res: ServerResponse, phone: string): void {
  ctx.counters.capabilityChecks++;
  const bad = ctx.faults.takeBadResponse();
  if (bad !== undefined) {
    ctx.counters.badResponses++;
    return sendBadResponse(res, bad);
  }
  // RBM answers 404 for a number it has not seen on RCS in the last 31 days; a device that
  // left RCS since is still reported capable (the `lost` rule).
  if (ctx.capability(phone) === false) return sendGoogleError(res, 'not_found');
  sendJson(res, 200, {
    features: [
      'RICHCARD_STANDALONE',
      'RICHCARD_CAROUSEL',
      'ACTION_DIAL',
      'ACTION_OPEN_URL',
      'ACTION_SHARE_LOCATION',
    ],
  });
}

async function create(
  ctx: RbmContext,
  res: ServerResponse,
  phone: string,
  messageId: string,
  raw: Buffer | undefined,
): Promise<void> {
  const { counters } = ctx;
  counters.submitted++;
  if (!/^[A-Za-z0-9_.:-]{1,200}$/.test(messageId) || raw === undefined) {
    counters.refused++;
    return sendGoogleError(res, 'invalid');
  }
  const attempt = (ctx.attempts.get(messageId) ?? 0) + 1;
  ctx.attempts.set(messageId, attempt);
  const plan = decideRbmSend(ctx.rbm, phone, mulberry32(hashSeed(ctx.seed, 'rbm', messageId, attempt)));
  await ctx.timers.sleep(plan.latencyMs);
  if (ctx.throttle !== undefined && !ctx.throttle.take()) {
    counters.throttled++;
    return sendGoogleError(res, 'throttled');
  }
  // RBM de-duplicates on the agent-assigned messageId: a repeat is refused, never sent twice.
  if (ctx.messages.has(messageId)) {
    counters.deduplicated++;
    return sendGoogleError(res, 'exists');
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    counters.refused++;
    return sendGoogleError(res, 'invalid');
  }
  const check = checkAgentMessage(body);
  if (!check.ok) {
    counters.refused++;
    return sendGoogleError(res, 'invalid', [
      { '@type': 'type.googleapis.com/google.rpc.BadRequest', detail: check.detail },
    ]);
  }
  if (ctx.capability(phone) !== true) {
    counters.notCapable++;
    return sendGoogleError(res, 'not_found');
  }
  if (plan.fault !== undefined) return refuse(ctx, res, plan);
  ctx.messages.set(messageId, { phone, state: 'pending', body });
  counters.accepted++;
  schedule(ctx, messageId, plan, check.expireAt);
  // A malformed answer after acceptance is the hard case: the client cannot tell, retries,
  // and must get ALREADY_EXISTS (not a second message).
  const bad = ctx.faults.takeBadResponse();
  if (bad !== undefined) {
    counters.badResponses++;
    return sendBadResponse(res, bad);
  }
  sendJson(res, 200, {
    ...(body as Record<string, unknown>),
    name: `phones/${phone}/agentMessages/${messageId}`,
    sendTime: new Date().toISOString(),
  });
}

function refuse(ctx: RbmContext, res: ServerResponse, plan: RbmPlan): void {
  switch (plan.fault) {
    case 'throttled':
      ctx.counters.throttled++;
      return sendGoogleError(res, 'throttled');
    case 'unavailable':
    case 'internal':
      ctx.counters.failed++;
      return sendGoogleError(res, plan.fault);
    default:
      ctx.counters.refused++;
      return sendGoogleError(res, plan.fault ?? 'internal');
  }
}

function schedule(ctx: RbmContext, messageId: string, plan: RbmPlan, expireAt: number | undefined): void {
  const stored = ctx.messages.get(messageId)!;
  const untilExpiry = expireAt === undefined ? Infinity : Math.max(0, expireAt - Date.now());
  if (plan.deliverAfterMs === undefined || plan.deliverAfterMs > untilExpiry) {
    // Not delivered before expireTime/ttl: RBM revokes it and says so with a server event.
    if (Number.isFinite(untilExpiry)) {
      ctx.timers.after(untilExpiry, () => {
        if (stored.state !== 'pending') return;
        stored.state = 'expired';
        ctx.counters.expired++;
        ctx.emit(stored.phone, 'TTL_EXPIRATION_REVOKED', messageId);
      });
    }
    return;
  }
  ctx.timers.after(plan.deliverAfterMs, () => {
    if (stored.state !== 'pending') return;
    stored.state = 'delivered';
    ctx.counters.delivered++;
    ctx.emit(stored.phone, 'DELIVERED', messageId);
    if (plan.readAfterMs === undefined) return;
    ctx.timers.after(plan.readAfterMs, () => {
      stored.state = 'read';
      ctx.counters.read++;
      ctx.emit(stored.phone, 'READ', messageId);
      if (plan.reply === undefined) return;
      const reply = plan.reply;
      ctx.emit(stored.phone, 'IS_TYPING', messageId);
      ctx.timers.after(50, () =>
        ctx.poster.post(
          signedEnvelope(
            ctx.rbm.agentId,
            ctx.rbm.clientToken,
            rbmUserMessage(ctx.rbm.agentId, stored.phone, reply),
          ),
        ),
      );
    });
  });
}

function revoke(ctx: RbmContext, res: ServerResponse, phone: string, messageId: string): void {
  const stored = ctx.messages.get(messageId);
  // RBM "Revoke messages": 200 when the message was still queued and is now deleted; 404 when
  // it was already delivered (or never existed).
  if (stored === undefined || stored.phone !== phone || stored.state !== 'pending') {
    ctx.counters.revokeTooLate++;
    return sendGoogleError(res, 'not_found');
  }
  stored.state = 'revoked';
  ctx.counters.revoked++;
  sendJson(res, 200, {});
}
