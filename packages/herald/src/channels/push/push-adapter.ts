import { HeraldError } from '../../errors/index.ts';
import type { ChannelAdapter, OutboundMessage, SendResult } from '../channel-adapter.ts';
import type { ChannelLogger } from '../rcs/rbm-adapter-options.ts';
import { SILENT_LOGGER } from '../sms/smpp-adapter-options.ts';
import { ApnsTokenSigner } from './apns-token.ts';
import { Http2Origin, type Http2Answer } from './http2-origin.ts';
import { parsePushAddress } from './push-address.ts';
import { PUSH_ADAPTER_DEFAULTS, type PushAdapterOptions } from './push-adapter-options.ts';
import { apnsError, fcmError } from './push-status.ts';
import {
  apnsId,
  apnsPayload,
  collapseId,
  DEFAULT_PUSH_ALERT,
  fcmBody,
  ttlSeconds,
  type PushAlert,
  type PushSource,
} from './push-payload.ts';

/**
 * Push over APNs (HTTP/2, token authentication) and FCM HTTP v1 (over HTTP/2 as well). A push
 * carries no message content, only the message id as an opaque reference the app uses to fetch
 * the message (DESIGN: push never lowers a message's tier): `send` hands the payload builders
 * the id and deadline alone. Notice and content steps look the same on the wire.
 *
 * Resends of one message carry the same `apns-id`, `apns-collapse-id` and FCM collapse key and
 * notification tag, so the device replaces rather than stacks them. Providers send no delivery
 * receipts; the app fetching the message is Herald's own signal.
 */
export class PushAdapter implements ChannelAdapter {
  readonly channel = 'push' as const;
  readonly tier = 'transport' as const;

  readonly #options: PushAdapterOptions;
  readonly #log: ChannelLogger;
  readonly #alert: PushAlert;
  readonly #apns: { origin: Http2Origin; signer: ApnsTokenSigner; topic: string } | undefined;
  readonly #fcm:
    { origin: Http2Origin; projectId: string; token: PushAdapterOptions['fcm'] & object } | undefined;
  #state: 'idle' | 'ready' | 'closed' = 'idle';

  constructor(options: PushAdapterOptions) {
    if (options.apns === undefined && options.fcm === undefined) {
      throw new HeraldError('HERALD_ERR_CONFIG_INVALID', { detail: 'push needs apns or fcm settings' });
    }
    this.#options = options;
    this.#log = options.logger ?? SILENT_LOGGER;
    this.#alert = options.alert ?? DEFAULT_PUSH_ALERT;
    const timeoutMs = options.requestTimeoutMs ?? PUSH_ADAPTER_DEFAULTS.requestTimeoutMs;
    const a = options.apns;
    this.#apns =
      a === undefined
        ? undefined
        : {
            origin: new Http2Origin(a.origin, { ca: a.ca, timeoutMs }),
            signer: new ApnsTokenSigner({ teamId: a.teamId, keyId: a.keyId, privateKey: a.privateKey }),
            topic: a.topic,
          };
    const f = options.fcm;
    this.#fcm =
      f === undefined
        ? undefined
        : {
            origin: new Http2Origin(f.origin ?? PUSH_ADAPTER_DEFAULTS.fcmOrigin, { ca: f.ca, timeoutMs }),
            projectId: f.projectId,
            token: f,
          };
  }

  /** Connections open lazily on the first push; ready at once. */
  start(opts: { signal?: AbortSignal } = {}): Promise<void> {
    if (opts.signal?.aborted) return Promise.reject(this.#aborted(opts.signal));
    if (this.#state === 'closed') return Promise.reject(this.#unavailable('the adapter is closed'));
    this.#state = 'ready';
    return Promise.resolve();
  }

  /** Sends a content-free push to `apns:<token>` or `fcm:<token>`. */
  async send(message: OutboundMessage, opts: { signal?: AbortSignal } = {}): Promise<SendResult> {
    const { signal } = opts;
    if (signal?.aborted) throw this.#aborted(signal);
    if (this.#state === 'closed') throw this.#unavailable('the adapter is closed');
    const address = parsePushAddress(message.to);
    // Only these two fields go further: the payload cannot contain what it never receives.
    const source: PushSource =
      message.expiresAt === undefined
        ? { messageId: message.messageId }
        : { messageId: message.messageId, expiresAt: message.expiresAt };
    return address.provider === 'apns'
      ? this.#sendApns(source, address.token, signal)
      : this.#sendFcm(source, address.token, signal);
  }

  /** Whether the address is well formed and its provider configured (no network call). */
  canReach(to: string): Promise<boolean> {
    try {
      const { provider } = parsePushAddress(to);
      return Promise.resolve(provider === 'apns' ? this.#apns !== undefined : this.#fcm !== undefined);
    } catch {
      return Promise.resolve(false);
    }
  }

  isReady(): boolean {
    return this.#state === 'ready';
  }

  async close(): Promise<void> {
    this.#state = 'closed';
    await Promise.all([this.#apns?.origin.close(), this.#fcm?.origin.close()]);
  }

  // Apple, "Sending notification requests to APNs": POST /3/device/<token> with the provider
  // token, topic, push type, priority, expiration, apns-id and collapse id as headers.
  async #sendApns(source: PushSource, token: string, signal: AbortSignal | undefined): Promise<SendResult> {
    const apns = this.#apns;
    if (apns === undefined) throw this.#notConfigured('apns');
    const id = apnsId(source);
    const ttl = ttlSeconds(source, this.#options.defaultTtlSeconds);
    const answer = await apns.origin.request({
      method: 'POST',
      path: `/3/device/${token}`,
      headers: {
        authorization: `bearer ${apns.signer.token()}`,
        'apns-topic': apns.topic,
        'apns-push-type': 'alert',
        'apns-priority': '10',
        'apns-id': id,
        'apns-collapse-id': collapseId(source),
        ...(ttl === undefined ? {} : { 'apns-expiration': String(Math.floor(Date.now() / 1000) + ttl) }),
        'content-type': 'application/json',
      },
      body: apnsPayload(source, this.#alert),
      signal,
    });
    if (answer.status === 200) {
      const echoed = answer.headers['apns-id'];
      return { providerMessageId: typeof echoed === 'string' && echoed !== '' ? echoed : id };
    }
    const reason = jsonField(answer, 'reason');
    const timestamp = jsonField(answer, 'timestamp');
    if (reason === 'ExpiredProviderToken') apns.signer.reset();
    const error = apnsError(
      answer.status,
      typeof reason === 'string' ? reason : undefined,
      typeof timestamp === 'number' ? timestamp : undefined,
    );
    this.#log.warn(
      { channel: 'push', provider: 'apns', httpStatus: answer.status, code: error.code },
      'push: APNs refused',
    );
    throw error;
  }

  // FCM HTTP v1: POST /v1/projects/{project}/messages:send; the answer names the message.
  async #sendFcm(source: PushSource, token: string, signal: AbortSignal | undefined): Promise<SendResult> {
    const fcm = this.#fcm;
    if (fcm === undefined) throw this.#notConfigured('fcm');
    const access =
      typeof fcm.token.accessToken === 'string' ? fcm.token.accessToken : await fcm.token.accessToken();
    const answer = await fcm.origin.request({
      method: 'POST',
      path: `/v1/projects/${fcm.projectId}/messages:send`,
      headers: { authorization: `Bearer ${access}`, 'content-type': 'application/json; charset=utf-8' },
      body: fcmBody(source, token, this.#alert, ttlSeconds(source, this.#options.defaultTtlSeconds)),
      signal,
    });
    if (answer.status === 200) {
      const name = jsonField(answer, 'name');
      if (typeof name !== 'string' || !name.startsWith(`projects/${fcm.projectId}/messages/`)) {
        throw new HeraldError(
          'HERALD_ERR_CHANNEL_BAD_RESPONSE',
          { channel: 'push' },
          { details: { problem: 'no message name' } },
        );
      }
      return { providerMessageId: name };
    }
    const error = fcmError(answer.status, parseJson(answer.body));
    this.#log.warn(
      { channel: 'push', provider: 'fcm', httpStatus: answer.status, code: error.code },
      'push: FCM refused',
    );
    throw error;
  }

  #notConfigured(provider: string): HeraldError {
    return new HeraldError(
      'HERALD_ERR_CHANNEL_INVALID_DESTINATION',
      { channel: 'push' },
      { details: { problem: `${provider} is not configured` } },
    );
  }

  #unavailable(detail: string): HeraldError {
    return new HeraldError('HERALD_ERR_CHANNEL_UNAVAILABLE', { channel: 'push', detail });
  }

  #aborted(signal: AbortSignal): HeraldError {
    return new HeraldError('HERALD_ERR_CHANNEL_ABORTED', { channel: 'push' }, { cause: signal.reason });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function jsonField(answer: Http2Answer, field: string): unknown {
  const body = parseJson(answer.body);
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
}
