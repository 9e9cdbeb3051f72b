// The server's own vocabulary (browser-safe modules), so the SDK and the API cannot drift apart.
import type { Classification } from '@herald/server/decision';
import type { MessageStatus } from '@herald/server/message-status';

export { CLASSIFICATIONS, type Classification } from '@herald/server/decision';
export { MESSAGE_STATUSES, type MessageStatus } from '@herald/server/message-status';

/**
 * A message to send. `to` is an address the gateway routes (E.164 number, email, `user:<id>`),
 * or `{ userId }` to send through the secure channel: the SDK encrypts in this process and
 * the server only ever sees ciphertext (needs `secure: { device }` on the client).
 */
export interface SendMessageRequest {
  readonly to: string | { readonly userId: string };
  readonly content: { readonly text: string };
  readonly classification: Classification;
  readonly retention?: string;
  /** Seconds until the message expires. */
  readonly ttl?: number;
  readonly labels?: Readonly<Record<string, string>>;
  /** Makes retries safe: the same key within 24 h returns the first answer. */
  readonly idempotencyKey?: string;
  /**
   * Your own reference for the message (1–128 characters). Only for `{ userId }` sends with a
   * journal sealer: it goes into the sealed journal copy, never to the gateway in clear.
   */
  readonly clientReference?: string;
}

/** One step of a decided route. */
export interface RouteStep {
  readonly channel: string;
  readonly content: string;
  readonly tier: string;
}

/** The policy's decision, as the API summarises it. */
export interface DecisionSummary {
  readonly outcome: string;
  readonly rule: string;
  readonly policyVersion: string;
  readonly reasons: readonly string[];
  readonly route: readonly RouteStep[];
}

/** The answer to a send: the message id, its first status and the decision. */
export interface AcceptedMessage {
  readonly id: string;
  readonly status: MessageStatus;
  readonly decision: DecisionSummary;
  /** The request was a replay of an earlier one with the same idempotency key. */
  readonly replayed: boolean;
  /** For a secure send: the group the ciphertext went to (base64). */
  readonly groupId?: string;
}

/** A message in lists: metadata, never content. */
export interface MessageSummary {
  readonly id: string;
  readonly to: string;
  readonly classification: Classification;
  readonly retention: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly status: MessageStatus;
  readonly createdAt: string;
  readonly updatedAt: string | null;
  readonly expiresAt: string | null;
}

/** A message with its decision, attempts, receipts and timeline. */
export interface MessageDetail extends MessageSummary {
  readonly decision: unknown;
  readonly attempts: readonly Readonly<Record<string, unknown>>[];
  readonly receipts: readonly Readonly<Record<string, unknown>>[];
  readonly timeline: readonly Readonly<Record<string, unknown>>[];
}

/** Filters and paging for {@link MessagesApi.list}. */
export interface ListMessagesQuery {
  readonly status?: MessageStatus;
  /** ISO 8601 times. */
  readonly since?: string;
  readonly until?: string;
  readonly cursor?: string;
  /** 1–200 (default 50). */
  readonly limit?: number;
}

/** One page of messages, newest first. */
export interface MessagePage {
  readonly data: readonly MessageSummary[];
  readonly nextCursor: string | null;
}
