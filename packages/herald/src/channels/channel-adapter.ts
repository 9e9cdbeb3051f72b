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
  /**
   * End-to-end-encrypted content for the `secure` channel: the MLS application message the
   * sender encrypted in its own process, for the group it names (base64). Set only on `full`
   * steps of the secure channel; `body` is empty then, because the gateway has no plaintext.
   */
  readonly mls?: { readonly groupId: string; readonly message: string };
  /**
   * Optional rich parts for channels that render them (RCS: a card, suggested replies and
   * actions). Channels without rich rendering send `body` alone; push never sends either.
   */
  readonly rich?: RichContent;
}

/** A suggested reply or action under a rich message (RBM `Suggestion`). */
export type Suggestion =
  | { readonly kind: 'reply'; readonly text: string; readonly postbackData: string }
  | {
      readonly kind: 'open_url';
      readonly text: string;
      readonly postbackData: string;
      readonly url: string;
    }
  | {
      readonly kind: 'dial';
      readonly text: string;
      readonly postbackData: string;
      readonly phoneNumber: string;
    };

/** Rich parts of a message (the RBM standalone rich card and suggestion chips). */
export interface RichContent {
  readonly card?: {
    readonly title: string;
    /** The card text; `body` is still sent as the fallback text of the message. */
    readonly description?: string;
    /** An https image or video the provider fetches. */
    readonly mediaUrl?: string;
    readonly suggestions?: readonly Suggestion[];
  };
  /** Chips shown under the message. */
  readonly suggestions?: readonly Suggestion[];
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
  /** The provider's id for this event, when it has one (RBM `eventId`); helps de-duplicate. */
  readonly providerEventId?: string;
}

/**
 * Where an adapter hands receipts. The returned promise resolves once the receipt is durable;
 * adapters acknowledge the provider only then (so a crash cannot lose a receipt) and ask the
 * provider to redeliver when it rejects.
 */
export type ReceiptSink = (receipt: Receipt) => Promise<void>;

/** What a recipient sent back: a reply, a tapped suggestion, or a typing indicator. */
export const INBOUND_KINDS = ['text', 'suggestion', 'typing'] as const;
export type InboundKind = (typeof INBOUND_KINDS)[number];

/** One inbound provider event that is not a receipt (RBM user messages and `IS_TYPING`). */
export interface InboundEvent {
  readonly channel: Channel;
  readonly kind: InboundKind;
  /** The sender's address on this channel (E.164 for RCS). */
  readonly from: string;
  /** The provider's id for this event; repeats when the provider redelivers. */
  readonly providerEventId: string;
  /** What the user typed, or the tapped suggestion's text. Content: never log it. */
  readonly text?: string;
  /** The `postbackData` of a tapped suggestion. */
  readonly postbackData?: string;
  readonly at: Date;
}

/** Where an adapter hands inbound events; resolves once they are durable, like `ReceiptSink`. */
export type InboundSink = (event: InboundEvent) => Promise<void>;

/** Request headers as node's `IncomingHttpHeaders` (and Fastify's `request.headers`) give them. */
export type WebhookHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** What the HTTP route answers the provider. Non-2xx asks the provider to redeliver. */
export interface WebhookReply {
  readonly status: number;
  readonly body?: string;
  readonly contentType?: string;
}

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
  /**
   * Withdraws a message the provider accepted but has not delivered, before a fallback sends
   * the next step (RBM `DELETE .../agentMessages/{messageId}`); absent where a provider cannot.
   */
  revoke?(providerMessageId: string, opts?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Takes one provider webhook (delivery events, replies, bounce reports) as the raw body and
   * headers, authenticates it, hands receipts and inbound events to their sinks, and says what
   * to answer. The HTTP layer mounts it on a route and must pass the body unparsed: signatures
   * cover the exact bytes. Absent where the provider has no webhooks.
   */
  handleWebhook?(
    rawBody: Buffer,
    headers: WebhookHeaders,
    opts?: { signal?: AbortSignal },
  ): Promise<WebhookReply>;
  /** Whether the adapter is connected and ready (for `/readyz`). */
  isReady(): boolean;
  close(): Promise<void>;
}
