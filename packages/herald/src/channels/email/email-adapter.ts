import { createHmac, timingSafeEqual } from 'node:crypto';
import { connect, isIP, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import { HeraldError } from '../../errors/index.ts';
import type {
  ChannelAdapter,
  OutboundMessage,
  Receipt,
  SendResult,
  WebhookHeaders,
  WebhookReply,
} from '../channel-adapter.ts';
import type { ChannelLogger } from '../rcs/rbm-adapter-options.ts';
import { SILENT_LOGGER } from '../sms/smpp-adapter-options.ts';
import { parseDsn, type DsnReport } from './dsn-report.ts';
import { EMAIL_ADAPTER_DEFAULTS, type EmailAdapterOptions } from './email-adapter-options.ts';
import { smtpError, type SmtpFailure } from './email-status.ts';

const ADDRESS = /^[^\s@<>()",;:]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;

/**
 * Email over SMTP with nodemailer. TLS is required by default: STARTTLS (RFC 3207) must succeed
 * before anything is sent, else HERALD_ERR_CHANNEL_TLS_REQUIRED; never a silent fallback to
 * clear text. Messages are DKIM-signed (RFC 6376) when a key is configured.
 *
 * The Message-ID is derived from Herald's message id (`<msg_…@domain>`), so every try of one
 * message carries the same id: mailbox providers that collapse duplicates by Message-ID show it
 * once, and the id is the provider id receipts quote. Delivery status comes back as DSNs (RFC
 * 3461 NOTIFY=SUCCESS,FAILURE,DELAY with ENVID = the message id; RFC 3464 reports), which
 * `handleWebhook` reads from an inbound-mail webhook.
 */
export class EmailAdapter implements ChannelAdapter {
  readonly channel = 'email' as const;
  readonly tier = 'transport' as const;

  readonly #options: EmailAdapterOptions;
  readonly #log: ChannelLogger;
  readonly #domain: string;
  readonly #sockets = new Set<Socket>();
  #state: 'idle' | 'ready' | 'closed' = 'idle';

  constructor(options: EmailAdapterOptions) {
    if (!ADDRESS.test(options.from))
      throw new HeraldError('HERALD_ERR_CONFIG_INVALID', { detail: 'email from must be an address' });
    this.#options = options;
    this.#log = options.logger ?? SILENT_LOGGER;
    this.#domain = options.messageIdDomain ?? options.from.slice(options.from.lastIndexOf('@') + 1);
  }

  /** SMTP connections are opened per send; ready at once. */
  start(opts: { signal?: AbortSignal } = {}): Promise<void> {
    if (opts.signal?.aborted) return Promise.reject(this.#aborted(opts.signal));
    if (this.#state === 'closed') return Promise.reject(this.#unavailable('the adapter is closed'));
    this.#state = 'ready';
    return Promise.resolve();
  }

  /** The Message-ID every try of this message carries. */
  messageIdFor(message: Pick<OutboundMessage, 'messageId'>): string {
    return `<${message.messageId}@${this.#domain}>`;
  }

  /**
   * Sends one message over a fresh SMTP session. Resolves with the Message-ID once the server
   * answered 250 to the data; a 5yz reply is a permanent rejection, a 4yz reply retryable.
   * Aborting destroys the connection.
   */
  async send(message: OutboundMessage, opts: { signal?: AbortSignal } = {}): Promise<SendResult> {
    const { signal } = opts;
    if (signal?.aborted) throw this.#aborted(signal);
    if (this.#state === 'closed') throw this.#unavailable('the adapter is closed');
    if (!ADDRESS.test(message.to))
      throw new HeraldError('HERALD_ERR_CHANNEL_INVALID_DESTINATION', { channel: 'email' });
    const o = this.#options;
    const tls = o.tls ?? EMAIL_ADAPTER_DEFAULTS.tls;
    const timeoutMs = o.timeoutMs ?? EMAIL_ADAPTER_DEFAULTS.timeoutMs;
    const messageId = this.messageIdFor(message);
    let socket: Socket | undefined;
    const transport = nodemailer.createTransport({
      host: o.host,
      port: o.port,
      secure: tls === 'implicit',
      requireTLS: tls === 'required',
      ignoreTLS: tls === 'none',
      tls: {
        minVersion: 'TLSv1.2',
        // RFC 6066 §3: SNI carries host names only, never an IP address.
        ...(o.servername !== undefined
          ? { servername: o.servername }
          : isIP(o.host) === 0
            ? { servername: o.host }
            : {}),
        ...(o.ca === undefined ? {} : { ca: o.ca }),
      },
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      ...(o.auth === undefined ? {} : { auth: { user: o.auth.user, pass: o.auth.pass } }),
      ...(o.dkim === undefined ? {} : { dkim: { ...o.dkim } }),
      // Our own socket, so an abort can cut the session (nodemailer's documented proxy hook).
      getSocket: (_options, callback) => {
        const s = connect(o.port, o.host);
        socket = s;
        this.#sockets.add(s);
        s.once('close', () => this.#sockets.delete(s));
        s.once('connect', () => callback(null, { connection: s }));
        s.once('error', (err) => callback(err));
      },
    });
    const onAbort = (): void => void socket?.destroy();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const info = await transport.sendMail({
        from: o.from,
        to: message.to,
        subject: o.subject ?? EMAIL_ADAPTER_DEFAULTS.subject,
        text: message.body,
        messageId,
        // RFC 4021 §2.1.52: the message loses its value after this date.
        ...(message.expiresAt === undefined ? {} : { headers: { Expires: message.expiresAt.toUTCString() } }),
        envelope: { from: o.from, to: message.to },
        dsn: {
          id: message.messageId,
          return: 'headers',
          notify: ['success', 'failure', 'delay'],
          recipient: o.from,
        },
      });
      const accepted = (info.accepted as unknown[]).map((a) =>
        (typeof a === 'string' ? a : String((a as { address?: unknown }).address)).toLowerCase(),
      );
      if (!accepted.includes(message.to.toLowerCase())) {
        throw new HeraldError('HERALD_ERR_CHANNEL_REJECTED', {
          channel: 'email',
          detail: 'the recipient was not accepted',
        });
      }
      return { providerMessageId: messageId };
    } catch (err) {
      if (signal?.aborted) throw this.#aborted(signal);
      if (this.isClosed) throw this.#unavailable('the adapter is closed');
      if (err instanceof HeraldError) throw err;
      const error = smtpError(err as SmtpFailure, timeoutMs);
      this.#log.warn(
        { channel: 'email', code: error.code, smtpCode: (err as SmtpFailure).responseCode },
        'email: send failed',
      );
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      transport.close();
    }
  }

  /**
   * Takes one DSN from an inbound-mail webhook (the raw RFC 5322 message as the body), checks
   * `X-Herald-Sim-Signature: sha256=<hex HMAC-SHA256(dsnSecret, body)>`, and hands a receipt
   * per recipient to the sink: delivered (or relayed) → `delivered`, failed → `undelivered`
   * with the RFC 3463 status as error code; `delayed` reports are logged only.
   */
  async handleWebhook(rawBody: Buffer, headers: WebhookHeaders): Promise<WebhookReply> {
    const secret = this.#options.dsnSecret;
    const header = headers['x-herald-sim-signature'];
    const given = typeof header === 'string' ? header : header?.[0];
    const expected =
      secret === undefined
        ? undefined
        : `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
    if (expected === undefined || given === undefined || !same(given, expected)) {
      this.#log.warn({ channel: 'email' }, 'email: DSN webhook signature missing or wrong');
      return { status: 401 };
    }
    const report = parseDsn(rawBody.toString('utf8'));
    const receipts = report === undefined ? [] : this.#receipts(report);
    if (receipts.length === 0) {
      // A signed report Herald cannot use will not improve on redelivery.
      this.#log.warn({ channel: 'email', isDsn: report !== undefined }, 'email: inbound report not used');
      return { status: 200 };
    }
    try {
      for (const receipt of receipts) await this.#options.onReceipt(receipt);
      return { status: 200 };
    } catch (err) {
      this.#log.warn(
        { channel: 'email', error: err instanceof HeraldError ? err.code : 'sink error' },
        'email: sink failed; asking for redelivery',
      );
      return { status: 503 };
    }
  }

  isReady(): boolean {
    return this.#state === 'ready';
  }

  /** Whether `close()` was called. */
  get isClosed(): boolean {
    return this.#state === 'closed';
  }

  /** Cuts sessions in progress; later sends fail with HERALD_ERR_CHANNEL_UNAVAILABLE. */
  close(): Promise<void> {
    this.#state = 'closed';
    for (const s of this.#sockets) s.destroy();
    return Promise.resolve();
  }

  #receipts(report: DsnReport): Receipt[] {
    const id =
      report.messageId ??
      (report.envelopeId === undefined ? undefined : `<${report.envelopeId}@${this.#domain}>`);
    if (id === undefined) return [];
    const out: Receipt[] = [];
    for (const r of report.recipients) {
      const at = new Date();
      if (r.action === 'delivered' || r.action === 'relayed' || r.action === 'expanded') {
        out.push({
          channel: 'email',
          providerMessageId: id,
          status: 'delivered',
          providerStatus: r.action,
          at,
        });
      } else if (r.action === 'failed') {
        out.push({
          channel: 'email',
          providerMessageId: id,
          status: 'undelivered',
          providerStatus: r.action,
          errorCode: r.status,
          at,
        });
      }
    }
    return out;
  }

  #unavailable(detail: string): HeraldError {
    return new HeraldError('HERALD_ERR_CHANNEL_UNAVAILABLE', { channel: 'email', detail });
  }

  #aborted(signal: AbortSignal): HeraldError {
    return new HeraldError('HERALD_ERR_CHANNEL_ABORTED', { channel: 'email' }, { cause: signal.reason });
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
