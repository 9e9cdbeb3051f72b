import type { InboundSink, ReceiptSink } from '../channel-adapter.ts';
import type { SmppLogger } from '../sms/smpp-adapter-options.ts';
import type { HttpTransport } from './http-transport.ts';

/** A pino-shaped logger; adapters pass metadata only, never content, numbers or tokens. */
export type ChannelLogger = SmppLogger;

/** How to reach and use one RBM agent. */
export interface RbmAdapterOptions {
  /** API root, e.g. `https://rcsbusinessmessaging.googleapis.com`; the simulator's `url` in sandbox. */
  readonly baseUrl: string;
  /** The agent's id (RBM `agentId` query parameter). */
  readonly agentId: string;
  /**
   * The OAuth 2.0 access token (scope `rcsbusinessmessaging`), or a function that returns a
   * current one (service-account token refresh lives outside the adapter).
   */
  readonly accessToken: string | (() => Promise<string>);
  /** The webhook client token: the HMAC-SHA512 key that authenticates `X-Goog-Signature`. */
  readonly clientToken: string;
  /** Where DELIVERED / READ / expiry receipts go; the webhook answers 200 once it resolves. */
  readonly onReceipt: ReceiptSink;
  /** Where user replies, suggestion taps and typing indicators go; dropped (acknowledged) when absent. */
  readonly onInbound?: InboundSink;
  /** Per-request deadline. Default 10 000 ms. */
  readonly requestTimeoutMs?: number;
  /** How long a "capable" answer is trusted. Default 1 h. */
  readonly capabilityTtlMs?: number;
  /** How long a "not capable" answer is trusted. Default 10 min. */
  readonly negativeCapabilityTtlMs?: number;
  /** Numbers whose capability is remembered. Default 100 000. */
  readonly capabilityCacheSize?: number;
  /** `ttl` for messages without `expiresAt`; absent: the platform's default (no expiry). */
  readonly defaultTtlSeconds?: number;
  readonly logger?: ChannelLogger;
  /** Default: `node:http(s)` with keep-alive connections (`nodeHttpTransport`). */
  readonly transport?: HttpTransport;
}

/** The adapter's defaults, exported so the CLI can show them. */
export const RBM_ADAPTER_DEFAULTS = {
  requestTimeoutMs: 10_000,
  capabilityTtlMs: 3_600_000,
  negativeCapabilityTtlMs: 600_000,
  capabilityCacheSize: 100_000,
} as const;
