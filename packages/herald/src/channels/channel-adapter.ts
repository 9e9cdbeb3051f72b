import type { AttemptId, MessageId, TenantId } from '../ids.ts';

/** Security tiers, highest first (DESIGN decision 4). */
export const SECURITY_TIERS = ['e2ee', 'transport', 'plaintext'] as const;
export type SecurityTier = (typeof SECURITY_TIERS)[number];

/** Channels Herald knows. Each adapter declares one of these. */
export const CHANNELS = ['secure', 'rcs', 'email', 'push', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Whether a step carries the message itself or a content-free notice. */
export const CONTENT_KINDS = ['full', 'notice'] as const;
export type ContentKind = (typeof CONTENT_KINDS)[number];

/** One message handed to a provider. */
export interface OutboundMessage {
  /** Herald's message id: the stable idempotency key the provider should de-duplicate on. */
  readonly messageId: MessageId;
  readonly attemptId: AttemptId;
  readonly tenantId: TenantId;
  /** The address on this channel (E.164 number for SMS/RCS, email address, user id). */
  readonly to: string;
  /** What is sent: the content for `full` steps, the notice text for `notice` steps. */
  readonly body: string;
  readonly contentKind: ContentKind;
  /** After this instant the provider should not deliver any more. */
  readonly expiresAt?: Date;
}

/** What the provider said when it took the message. */
export interface SendResult {
  /** The provider's own id, which its receipts will quote. */
  readonly providerMessageId: string;
}

/** Normalised delivery states a provider can report, across every channel. */
export const RECEIPT_STATUSES = [
  'delivered',
  'undelivered',
  'failed',
  'expired',
  'read',
  'rejected',
] as const;
export type ReceiptStatus = (typeof RECEIPT_STATUSES)[number];

/** A provider receipt, parsed and normalised by the adapter. */
export interface Receipt {
  readonly channel: Channel;
  readonly providerMessageId: string;
  readonly status: ReceiptStatus;
  /** The provider's own status word (e.g. SMPP `DELIVRD`), kept for the timeline. */
  readonly providerStatus: string;
  readonly errorCode?: string;
  readonly at: Date;
}

/**
 * Where an adapter hands receipts. The returned promise resolves once the receipt is durable;
 * adapters acknowledge the provider only then (so a crash cannot lose a receipt) and ask the
 * provider to redeliver when it rejects.
 */
export type ReceiptSink = (receipt: Receipt) => Promise<void>;

/**
 * The port every channel implements (Kysely's `Driver` is the model: small, optional
 * capabilities as optional methods, every async method takes an `AbortSignal`).
 *
 * `send` throws a `HeraldError` whose `reason` says whether a retry helps (`throttled`,
 * `unavailable`, `timeout` are retryable; `rejected`, `invalid` are not).
 */
export interface ChannelAdapter {
  readonly channel: Channel;
  readonly tier: SecurityTier;
  /** Connects to the provider; resolves when the adapter can send. */
  start(opts?: { signal?: AbortSignal }): Promise<void>;
  send(message: OutboundMessage, opts?: { signal?: AbortSignal }): Promise<SendResult>;
  /** Whether the recipient can be reached on this channel; absent means "try and see". */
  canReach?(to: string, opts?: { signal?: AbortSignal }): Promise<boolean>;
  /** Whether the adapter is connected and ready (for `/readyz`). */
  isReady(): boolean;
  close(): Promise<void>;
}
