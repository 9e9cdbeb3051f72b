import type { InboundSink, ReceiptSink } from '../channel-adapter.ts';
import type { ReconnectBackoff } from './reconnect-backoff.ts';
import type { SmppConnector } from './smpp-wire.ts';

/**
 * A pino-shaped logger (Fastify's logger fits). The adapter passes metadata only: ids, status
 * codes, counts, timings; never message bodies, numbers or credentials.
 */
export interface SmppLogger {
  debug(meta: Record<string, unknown>, message: string): void;
  info(meta: Record<string, unknown>, message: string): void;
  warn(meta: Record<string, unknown>, message: string): void;
  error(meta: Record<string, unknown>, message: string): void;
}

/** How to reach and use one SMSC account. */
export interface SmppAdapterOptions {
  readonly host: string;
  readonly port: number;
  /** SMPP 3.4 §5.2.1 system_id (at most 15 characters). */
  readonly systemId: string;
  /** SMPP 3.4 §5.2.2 password (at most 8 characters). */
  readonly password: string;
  /** SMPP 3.4 §5.2.3 system_type; empty by default. */
  readonly systemType?: string;
  /** Sender: an E.164 number with '+', a short code (digits) or an alphanumeric id. */
  readonly sourceAddr: string;
  /** Override the TON/NPI derived from `sourceAddr` (SMPP 3.4 §5.2.5, §5.2.6). */
  readonly sourceAddrTon?: number;
  readonly sourceAddrNpi?: number;
  /** Most submit_sm PDUs outstanding at once; sends wait for a slot. Default 50. */
  readonly windowSize?: number;
  /** How long a submit_sm may wait for its response. Default 10 000 ms. */
  readonly submitTimeoutMs?: number;
  /** enquire_link period while bound (SMPP 3.4 §7.2 enquire_link_timer). Default 30 000 ms. */
  readonly enquireLinkMs?: number;
  /** How long an enquire_link may go unanswered before the link counts as dead. Default 10 000 ms. */
  readonly enquireLinkTimeoutMs?: number;
  /** TCP connect plus bind_transceiver_resp. Default 10 000 ms. */
  readonly bindTimeoutMs?: number;
  /** How long `close()` waits for outstanding submits and receipts before unbinding. Default 5 000 ms. */
  readonly closeTimeoutMs?: number;
  /** Reconnection backoff; unset fields take `DEFAULT_RECONNECT_BACKOFF`. */
  readonly reconnect?: Partial<ReconnectBackoff>;
  /** Where parsed delivery receipts go; the SMSC is acknowledged once the promise resolves. */
  readonly onReceipt: ReceiptSink;
  /** Where replies (mobile-originated messages) go; without it they are acknowledged and dropped. */
  readonly onInbound?: InboundSink;
  readonly logger?: SmppLogger;
  /** Opens the TCP session; tests may pass a fake. Default: the `smpp` package. */
  readonly connect?: SmppConnector;
  /** Source of randomness for backoff jitter. Default `Math.random`. */
  readonly random?: () => number;
}

/** The adapter's defaults, exported so the CLI can show them. */
export const SMPP_ADAPTER_DEFAULTS = {
  windowSize: 50,
  submitTimeoutMs: 10_000,
  enquireLinkMs: 30_000,
  enquireLinkTimeoutMs: 10_000,
  bindTimeoutMs: 10_000,
  closeTimeoutMs: 5_000,
} as const;

/** A logger that drops everything, for when none is given. */
export const SILENT_LOGGER: SmppLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
