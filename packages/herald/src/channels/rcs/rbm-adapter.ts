import { randomUUID } from 'node:crypto';
import { HeraldError } from '../../errors/index.ts';
import type {
  ChannelAdapter,
  OutboundMessage,
  SendResult,
  WebhookHeaders,
  WebhookReply,
} from '../channel-adapter.ts';
import { SILENT_LOGGER } from '../sms/smpp-adapter-options.ts';
import { CapabilityCache } from './capability-cache.ts';
import { nodeHttpTransport, type HttpTransport } from './http-transport.ts';
import { aborted, requestJson, type JsonAnswer } from './json-http.ts';
import { RBM_ADAPTER_DEFAULTS, type ChannelLogger, type RbmAdapterOptions } from './rbm-adapter-options.ts';
import { agentMessageBody } from './rbm-content.ts';
import { rbmError, type RbmCall } from './rbm-status.ts';
import { agentMessageName, parseRbmWebhook } from './rbm-webhook.ts';

const E164 = /^\+[1-9][0-9]{1,14}$/;
const NAME = /^phones\/(\+[1-9][0-9]{1,14})\/agentMessages\/([^/]+)$/;

/**
 * RCS Business Messaging over the RBM REST API v1. Herald's message id is the RBM `messageId`,
 * which the platform de-duplicates: a resend after a crash or a lost answer gets 409
 * ALREADY_EXISTS, which this adapter reads as success, so a message is never sent twice. The
 * provider id is the agent message's resource name, `phones/{E.164}/agentMessages/{messageId}`,
 * which the webhook events quote and `revoke` deletes.
 *
 * Tier `transport`: TLS to the platform, which can read business messages.
 */
export class RbmAdapter implements ChannelAdapter {
  readonly channel = 'rcs' as const;
  readonly tier = 'transport' as const;

  readonly #options: RbmAdapterOptions;
  readonly #log: ChannelLogger;
  readonly #transport: HttpTransport;
  // Our own keep-alive connections, closed with the adapter (a transport passed in is the caller's).
  readonly #ownTransport: ReturnType<typeof nodeHttpTransport> | undefined;
  readonly #timeoutMs: number;
  readonly #capabilities: CapabilityCache;
  readonly #lookups = new Map<string, Promise<boolean>>();
  readonly #closing = new AbortController();
  #state: 'idle' | 'ready' | 'closed' = 'idle';

  constructor(options: RbmAdapterOptions) {
    this.#options = options;
    this.#log = options.logger ?? SILENT_LOGGER;
    this.#ownTransport = options.transport ? undefined : nodeHttpTransport();
    this.#transport = options.transport ?? this.#ownTransport!;
    this.#timeoutMs = options.requestTimeoutMs ?? RBM_ADAPTER_DEFAULTS.requestTimeoutMs;
    this.#capabilities = new CapabilityCache({
      ttlMs: options.capabilityTtlMs ?? RBM_ADAPTER_DEFAULTS.capabilityTtlMs,
      negativeTtlMs: options.negativeCapabilityTtlMs ?? RBM_ADAPTER_DEFAULTS.negativeCapabilityTtlMs,
      maxEntries: options.capabilityCacheSize ?? RBM_ADAPTER_DEFAULTS.capabilityCacheSize,
    });
  }

  /** HTTP needs no session: ready at once (credentials are checked by the first call). */
  start(opts: { signal?: AbortSignal } = {}): Promise<void> {
    if (opts.signal?.aborted) return Promise.reject(aborted('rcs', opts.signal));
    if (this.#state === 'closed') return Promise.reject(this.#unavailable('the adapter is closed'));
    this.#state = 'ready';
    return Promise.resolve();
  }

  /**
   * Creates the agent message (`POST /v1/phones/{E.164}/agentMessages?messageId=`). A number
   * the capability cache knows is not on RCS fails at once with
   * HERALD_ERR_CHANNEL_RECIPIENT_UNSUPPORTED, without a request.
   */
  async send(message: OutboundMessage, opts: { signal?: AbortSignal } = {}): Promise<SendResult> {
    const { signal } = opts;
    if (signal?.aborted) throw aborted('rcs', signal);
    this.#checkOpen();
    const phone = this.#phone(message.to);
    const body = agentMessageBody(message, { defaultTtlSeconds: this.#options.defaultTtlSeconds });
    if (this.#capabilities.get(phone) === false) throw this.#notCapable('cached: not on RCS');
    const name = agentMessageName(phone, message.messageId);
    const answer = await this.#call(
      'POST',
      `/v1/phones/${phone}/agentMessages`,
      { messageId: message.messageId },
      signal,
      body,
    );
    // RBM de-duplicates on messageId: ALREADY_EXISTS means an earlier try of this same message
    // was accepted (its answer was lost), so this one has succeeded too.
    if (answer.status === 409) {
      this.#log.info({ channel: 'rcs', messageId: message.messageId }, 'rbm: message already accepted');
      return { providerMessageId: name };
    }
    if (answer.status === 404) this.#capabilities.set(phone, false);
    this.#throwUnlessOk('send', answer);
    const returned = (answer.body as { name?: unknown } | undefined)?.name;
    if (answer.malformed || returned !== name)
      throw this.#badResponse('the answer does not name the message');
    this.#capabilities.set(phone, true);
    return { providerMessageId: name };
  }

  /**
   * Whether the number is on RCS (`GET /v1/phones/{E.164}/capabilities`): a cached answer when
   * fresh, else one lookup shared by concurrent callers. Provider failures throw (retryable).
   */
  async canReach(to: string, opts: { signal?: AbortSignal } = {}): Promise<boolean> {
    if (opts.signal?.aborted) throw aborted('rcs', opts.signal);
    this.#checkOpen();
    const phone = this.#phone(to);
    const cached = this.#capabilities.get(phone);
    if (cached !== undefined) return cached;
    let lookup = this.#lookups.get(phone);
    if (lookup === undefined) {
      lookup = this.#lookup(phone).finally(() => this.#lookups.delete(phone));
      this.#lookups.set(phone, lookup);
    }
    return abortable(lookup, opts.signal);
  }

  /**
   * Revokes an accepted, undelivered message (`DELETE /v1/phones/{E.164}/agentMessages/{id}`).
   * Throws HERALD_ERR_CHANNEL_REVOKE_TOO_LATE when RBM answers 404 (already delivered); a
   * DELIVERED event may still race a successful revoke (RBM reference), and is a receipt like any other.
   */
  async revoke(providerMessageId: string, opts: { signal?: AbortSignal } = {}): Promise<void> {
    if (opts.signal?.aborted) throw aborted('rcs', opts.signal);
    this.#checkOpen();
    if (!NAME.test(providerMessageId)) {
      throw new HeraldError('HERALD_ERR_CHANNEL_REJECTED', {
        channel: 'rcs',
        detail: 'not an RBM agent message name',
      });
    }
    const answer = await this.#call('DELETE', `/v1/${providerMessageId}`, {}, opts.signal);
    this.#throwUnlessOk('revoke', answer);
  }

  /**
   * Handles one webhook POST from the RBM platform: answers the console's verification with the
   * secret; refuses unsigned or mis-signed bodies with 401; hands receipts and inbound events to
   * their sinks and answers 200 once they are durable, or 503 so the platform redelivers.
   * Signed events Herald cannot use are acknowledged (200), since RBM retries anything else for
   * days and one failing webhook holds up the partner's whole queue (RBM "Webhooks").
   */
  async handleWebhook(rawBody: Buffer, headers: WebhookHeaders): Promise<WebhookReply> {
    const header = headers['x-goog-signature'];
    const signature = typeof header === 'string' ? header : header?.[0];
    const parsed = parseRbmWebhook(rawBody, signature, this.#options.clientToken);
    switch (parsed.kind) {
      case 'verification':
        return { status: 200, body: parsed.secret, contentType: 'text/plain' };
      case 'unauthenticated':
        this.#log.warn({ channel: 'rcs' }, 'rbm: webhook signature missing or wrong');
        return { status: 401 };
      case 'malformed':
      case 'ignored':
        this.#log.warn(
          {
            channel: 'rcs',
            kind: parsed.kind,
            what: parsed.kind === 'malformed' ? parsed.problem : parsed.what,
          },
          'rbm: webhook event not used',
        );
        return { status: 200 };
      case 'receipt':
        return this.#handOver(() => this.#options.onReceipt(parsed.receipt), parsed.receipt.providerStatus);
      case 'inbound': {
        const sink = this.#options.onInbound;
        if (sink === undefined) return { status: 200 };
        return this.#handOver(() => sink(parsed.event), parsed.event.kind);
      }
    }
  }

  isReady(): boolean {
    return this.#state === 'ready';
  }

  /** Aborts requests in flight; later sends fail with HERALD_ERR_CHANNEL_UNAVAILABLE. */
  close(): Promise<void> {
    this.#state = 'closed';
    this.#closing.abort(new Error('adapter closed'));
    this.#ownTransport?.close();
    return Promise.resolve();
  }

  async #lookup(phone: string): Promise<boolean> {
    const answer = await this.#call(
      'GET',
      `/v1/phones/${phone}/capabilities`,
      { requestId: randomUUID() },
      undefined,
    );
    if (answer.status === 404) {
      this.#capabilities.set(phone, false);
      return false;
    }
    this.#throwUnlessOk('capabilities', answer);
    if (answer.malformed || typeof answer.body !== 'object' || answer.body === null) {
      throw this.#badResponse('the capabilities answer is not an object');
    }
    this.#capabilities.set(phone, true);
    return true;
  }

  async #call(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    query: Record<string, string>,
    signal: AbortSignal | undefined,
    body?: unknown,
  ): Promise<JsonAnswer> {
    const url = new URL(this.#options.baseUrl.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries({ ...query, agentId: this.#options.agentId }))
      url.searchParams.set(k, v);
    const token =
      typeof this.#options.accessToken === 'string'
        ? this.#options.accessToken
        : await this.#options.accessToken();
    const signals =
      signal === undefined ? this.#closing.signal : AbortSignal.any([signal, this.#closing.signal]);
    try {
      return await requestJson({
        channel: 'rcs',
        method,
        url: url.toString(),
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        body,
        signal: signals,
        timeoutMs: this.#timeoutMs,
        transport: this.#transport,
      });
    } catch (err) {
      if (this.#closing.signal.aborted && !signal?.aborted) throw this.#unavailable('the adapter is closed');
      throw err;
    }
  }

  #throwUnlessOk(call: RbmCall, answer: JsonAnswer): void {
    if (answer.status >= 200 && answer.status < 300) return;
    const error = rbmError(call, answer.status, answer.body);
    this.#log.warn({ channel: 'rcs', call, httpStatus: answer.status, code: error.code }, 'rbm: call failed');
    throw error;
  }

  async #handOver(deliver: () => Promise<void>, what: string): Promise<WebhookReply> {
    try {
      await deliver();
      return { status: 200 };
    } catch (err) {
      const code = err instanceof HeraldError ? err.code : err instanceof Error ? err.name : typeof err;
      this.#log.warn({ channel: 'rcs', what, error: code }, 'rbm: sink failed; asking for redelivery');
      return { status: 503 };
    }
  }

  #phone(to: string): string {
    if (!E164.test(to)) throw new HeraldError('HERALD_ERR_CHANNEL_INVALID_DESTINATION', { channel: 'rcs' });
    return to;
  }

  #checkOpen(): void {
    if (this.#state === 'closed') throw this.#unavailable('the adapter is closed');
  }

  #notCapable(detail: string): HeraldError {
    return new HeraldError('HERALD_ERR_CHANNEL_RECIPIENT_UNSUPPORTED', { channel: 'rcs', detail });
  }

  #badResponse(problem: string): HeraldError {
    return new HeraldError('HERALD_ERR_CHANNEL_BAD_RESPONSE', { channel: 'rcs' }, { details: { problem } });
  }

  #unavailable(detail: string): HeraldError {
    return new HeraldError('HERALD_ERR_CHANNEL_UNAVAILABLE', { channel: 'rcs', detail });
  }
}

/** Lets one caller stop waiting for a shared promise without cancelling it for the others. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(aborted('rcs', signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e as Error)),
    );
  });
}
