import type { ChannelAdapter, OutboundMessage, SendResult } from '../channel-adapter.ts';
import { HeraldError } from '../../errors/index.ts';
import { DEFAULT_RECONNECT_BACKOFF, reconnectDelay, type ReconnectBackoff } from './reconnect-backoff.ts';
import {
  SILENT_LOGGER,
  SMPP_ADAPTER_DEFAULTS,
  type SmppAdapterOptions,
  type SmppLogger,
} from './smpp-adapter-options.ts';
import { ReceiptIntake } from './receipt-intake.ts';
import { SmppLink } from './smpp-link.ts';
import { describeCommandStatus, isBindRefusal, submitStatusError } from './smpp-status.ts';
import { buildSubmitFields, type SubmitFieldsBuilder } from './submit-fields.ts';
import { SubmitWindow } from './submit-window.ts';
import { connectSmpp, makePdu, type SmppPdu } from './smpp-wire.ts';

type AdapterState = 'idle' | 'connecting' | 'bound' | 'closing' | 'closed';

/** One submit_sm between write and response (or timeout, or link loss). */
interface InFlight {
  done: boolean;
  settled: boolean;
  resolve(result: SendResult): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * SMS over SMPP 3.4, bound as a transceiver: submit_sm out, delivery receipts (deliver_sm) in,
 * on one connection that is kept alive with enquire_link and re-established with backoff.
 *
 * Herald's message id travels in the vendor TLV 0x1400 (see `smpp-wire.ts`) so an SMSC that
 * understands it (the simulator does) can de-duplicate a resend; SMSCs that do not, ignore it
 * (SMPP 3.4 has receivers ignore optional parameters they do not recognise). A send that times out or is aborted
 * after the write may still have been accepted, so its retry can reach the handset twice on such
 * SMSCs.
 */
export class SmppAdapter implements ChannelAdapter {
  readonly channel = 'sms' as const;
  readonly tier = 'plaintext' as const;

  readonly #options: SmppAdapterOptions;
  readonly #log: SmppLogger;
  readonly #backoff: ReconnectBackoff;
  readonly #window: SubmitWindow;
  readonly #buildFields: SubmitFieldsBuilder;
  readonly #inFlight = new Set<InFlight>();
  readonly #intake: ReceiptIntake;
  #state: AdapterState = 'idle';
  #link: SmppLink | undefined;
  #everBound = false;
  #attempt = 0;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #startWaiters: { resolve(): void; reject(error: Error): void }[] = [];
  #idleWaiters: (() => void)[] = [];
  #closing: Promise<void> | undefined;

  constructor(options: SmppAdapterOptions) {
    this.#options = options;
    this.#log = options.logger ?? SILENT_LOGGER;
    this.#backoff = { ...DEFAULT_RECONNECT_BACKOFF, ...options.reconnect };
    this.#window = new SubmitWindow(options.windowSize ?? SMPP_ADAPTER_DEFAULTS.windowSize);
    this.#buildFields = buildSubmitFields(options);
    this.#intake = new ReceiptIntake(
      options.onReceipt,
      this.#log,
      () => this.#checkIdle(),
      options.onInbound,
    );
  }

  /** Submits waiting for a response right now (for metrics and tests). */
  get outstanding(): number {
    return this.#window.outstanding;
  }

  /**
   * Connects and binds; resolves once bound. Connection failures are retried with backoff.
   * Rejects, and closes the adapter, when the SMSC refuses our credentials or the signal aborts.
   */
  start(opts: { signal?: AbortSignal } = {}): Promise<void> {
    const { signal } = opts;
    if (this.#state === 'bound') return Promise.resolve();
    if (this.#state === 'closing' || this.#state === 'closed') {
      return Promise.reject(this.#unavailable('the adapter is closed'));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: (): void => (signal?.removeEventListener('abort', onAbort), resolve()),
        reject: (err: Error): void => (signal?.removeEventListener('abort', onAbort), reject(err)),
      };
      const onAbort = (): void => {
        this.#startWaiters = this.#startWaiters.filter((w) => w !== waiter);
        reject(
          new HeraldError(
            'HERALD_ERR_CHANNEL_UNAVAILABLE',
            { channel: 'sms', detail: 'start aborted before bind' },
            { cause: signal?.reason },
          ),
        );
        void this.close();
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#startWaiters.push(waiter);
      if (this.#state === 'idle') {
        this.#state = 'connecting';
        this.#openLink();
      }
    });
  }

  /**
   * Submits one message and resolves with the SMSC's message id. Waits for a window slot first;
   * the signal is honoured while waiting and while the PDU is in flight (an aborted in-flight
   * PDU keeps its slot until its response or timeout, so the SMSC never sees more than the window).
   */
  async send(message: OutboundMessage, opts: { signal?: AbortSignal } = {}): Promise<SendResult> {
    const { signal } = opts;
    if (signal?.aborted) throw this.#aborted(signal);
    const fields = this.#buildFields(message);
    if (this.#state !== 'bound') throw this.#unavailable(this.#notBoundDetail());
    await this.#window.acquire(signal, () => this.#aborted(signal));
    const link = this.#link;
    if (this.#state !== 'bound' || link === undefined || !link.isBound || signal?.aborted) {
      this.#window.release();
      throw signal?.aborted ? this.#aborted(signal) : this.#unavailable(this.#notBoundDetail());
    }
    return new Promise<SendResult>((resolve, reject) => {
      const entry: InFlight = {
        done: false,
        settled: false,
        resolve,
        reject,
        timer: undefined,
        signal,
        onAbort: undefined,
      };
      this.#inFlight.add(entry);
      const ms = this.#options.submitTimeoutMs ?? SMPP_ADAPTER_DEFAULTS.submitTimeoutMs;
      entry.timer = setTimeout(
        () => this.#complete(entry, new HeraldError('HERALD_ERR_CHANNEL_TIMEOUT', { channel: 'sms', ms })),
        ms,
      );
      if (signal !== undefined) {
        entry.onAbort = () => this.#settle(entry, this.#aborted(signal));
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      const sent = link.request(makePdu('submit_sm', fields), (resp) => this.#complete(entry, resp));
      if (!sent) this.#complete(entry, this.#unavailable('the connection is not writable'));
    });
  }

  /** True while bound to the SMSC. */
  isReady(): boolean {
    return this.#state === 'bound';
  }

  /**
   * Stops reconnecting, lets outstanding submits and receipts finish (up to `closeTimeoutMs`),
   * unbinds (SMPP 3.4 §4.2) and closes the socket. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#state = 'closing';
    clearTimeout(this.#reconnectTimer);
    const closed = this.#unavailable('the adapter is closing');
    this.#window.rejectWaiters(closed);
    for (const waiter of this.#startWaiters.splice(0)) waiter.reject(closed);
    const link = this.#link;
    const timeoutMs = this.#options.closeTimeoutMs ?? SMPP_ADAPTER_DEFAULTS.closeTimeoutMs;
    if (link?.isBound) {
      await this.#idle(timeoutMs);
      await link.unbind(Math.min(timeoutMs, 2_000));
    } else if (link !== undefined) {
      await link.destroy('adapter closing');
    }
    for (const entry of this.#inFlight) this.#complete(entry, closed);
    this.#state = 'closed';
    this.#log.info({ channel: 'sms' }, 'smpp: closed');
  }

  #openLink(): void {
    const o = this.#options;
    const link: SmppLink = new SmppLink(
      {
        host: o.host,
        port: o.port,
        systemId: o.systemId,
        password: o.password,
        systemType: o.systemType ?? '',
        bindTimeoutMs: o.bindTimeoutMs ?? SMPP_ADAPTER_DEFAULTS.bindTimeoutMs,
        enquireLinkMs: o.enquireLinkMs ?? SMPP_ADAPTER_DEFAULTS.enquireLinkMs,
        enquireLinkTimeoutMs: o.enquireLinkTimeoutMs ?? SMPP_ADAPTER_DEFAULTS.enquireLinkTimeoutMs,
        connect: o.connect ?? connectSmpp,
      },
      {
        onBound: () => this.#onBound(),
        onBindRefused: (status) => this.#onBindRefused(status),
        onDeliverSm: (pdu) => this.#intake.handle(pdu, (status) => link.respond(pdu, status)),
        onClosed: (reason) => this.#onLinkClosed(link, reason),
      },
    );
    this.#link = link;
  }

  #onBound(): void {
    if (this.#state !== 'connecting') return;
    this.#state = 'bound';
    this.#everBound = true;
    this.#attempt = 0;
    this.#log.info({ channel: 'sms', host: this.#options.host, port: this.#options.port }, 'smpp: bound');
    for (const waiter of this.#startWaiters.splice(0)) waiter.resolve();
  }

  #onBindRefused(status: number): void {
    const detail = describeCommandStatus(status);
    this.#log.error({ channel: 'sms', commandStatus: status, detail }, 'smpp: bind refused');
    // Before the first bind a refusal is a configuration error: fail start() instead of looping.
    // Later (the SMSC's configuration changed under us) keep retrying with backoff.
    if (!this.#everBound && isBindRefusal(status)) {
      const error = new HeraldError('HERALD_ERR_CHANNEL_BIND_FAILED', { channel: 'sms', detail });
      for (const waiter of this.#startWaiters.splice(0)) waiter.reject(error);
      void this.close();
    }
  }

  #onLinkClosed(link: SmppLink, reason: string): void {
    if (this.#link !== link) return;
    this.#link = undefined;
    const lost = this.#unavailable(`connection lost (${reason})`);
    this.#window.rejectWaiters(lost);
    for (const entry of this.#inFlight) this.#complete(entry, lost);
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.#state = 'connecting';
    const delayMs = reconnectDelay(this.#attempt++, this.#backoff, this.#options.random);
    this.#log.warn(
      { channel: 'sms', reason, attempt: this.#attempt, delayMs },
      'smpp: link down, reconnecting',
    );
    this.#reconnectTimer = setTimeout(() => {
      if (this.#state === 'connecting') this.#openLink();
    }, delayMs);
  }

  #complete(entry: InFlight, outcome: SmppPdu | HeraldError): void {
    if (entry.done) return;
    entry.done = true;
    clearTimeout(entry.timer);
    this.#inFlight.delete(entry);
    this.#window.release();
    this.#checkIdle();
    if (outcome instanceof HeraldError) return this.#settle(entry, outcome);
    const error = submitStatusError(outcome.command_status);
    if (error !== undefined) return this.#settle(entry, error);
    const id = typeof outcome.message_id === 'string' ? outcome.message_id : '';
    this.#settle(
      entry,
      id === ''
        ? new HeraldError('HERALD_ERR_CHANNEL_BAD_RESPONSE', { channel: 'sms' })
        : { providerMessageId: id },
    );
  }

  #settle(entry: InFlight, result: SendResult | Error): void {
    if (entry.settled) return;
    entry.settled = true;
    if (entry.onAbort !== undefined) entry.signal?.removeEventListener('abort', entry.onAbort);
    if (result instanceof Error) entry.reject(result);
    else entry.resolve(result);
  }

  #idle(timeoutMs: number): Promise<void> {
    if (this.#inFlight.size === 0 && this.#intake.pending === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#idleWaiters.push(() => (clearTimeout(timer), resolve()));
    });
  }

  #checkIdle(): void {
    if (this.#inFlight.size === 0 && this.#intake.pending === 0) {
      for (const wake of this.#idleWaiters.splice(0)) wake();
    }
  }

  #notBoundDetail(): string {
    return this.#state === 'closing' || this.#state === 'closed'
      ? 'the adapter is closed'
      : 'not bound to the SMSC';
  }

  #unavailable(detail: string): HeraldError {
    return new HeraldError('HERALD_ERR_CHANNEL_UNAVAILABLE', { channel: 'sms', detail });
  }

  #aborted(signal: AbortSignal | undefined): HeraldError {
    return new HeraldError('HERALD_ERR_CHANNEL_ABORTED', { channel: 'sms' }, { cause: signal?.reason });
  }
}
