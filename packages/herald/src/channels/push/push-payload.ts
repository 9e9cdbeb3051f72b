import { createHash } from 'node:crypto';
import type { OutboundMessage } from '../channel-adapter.ts';

/**
 * What a push may be built from: the message's id and deadline, nothing else. Pushes carry no
 * content (DESIGN: push notifications carry no content, so push never lowers a message's tier):
 * the app uses the opaque reference to fetch the message over its own authenticated channel.
 * Taking a `Pick` makes the rule a type: the payload builders cannot see `body` or `rich`.
 */
export type PushSource = Pick<OutboundMessage, 'messageId' | 'expiresAt'>;

/** A fixed, content-free alert the app shows (config, never message text). */
export interface PushAlert {
  /** Localisation key the app resolves (APNs `loc-key`, FCM `body_loc_key`). */
  readonly locKey: string;
  /** Optional fixed title, e.g. the organisation's name. */
  readonly title?: string;
}

/** The default alert: the app's own localised "You have a new message". */
export const DEFAULT_PUSH_ALERT: PushAlert = { locKey: 'HERALD_NEW_MESSAGE' };

/**
 * The APNs payload (Apple, "Generating a remote notification"): a localised alert the app
 * resolves, `mutable-content` so a notification service extension can fetch the message, and
 * the opaque reference under a custom key.
 */
export function apnsPayload(source: PushSource, alert: PushAlert): string {
  return JSON.stringify({
    aps: {
      alert: { 'loc-key': alert.locKey, ...(alert.title === undefined ? {} : { title: alert.title }) },
      'mutable-content': 1,
      sound: 'default',
    },
    herald: { ref: source.messageId },
  });
}

/**
 * The FCM HTTP v1 `messages:send` body: a data message carrying only the reference (FCM data
 * values are strings), high priority so the app wakes to fetch, the reference as collapse key
 * and notification tag so a resend replaces instead of stacking, and the TTL from the deadline.
 */
export function fcmBody(
  source: PushSource,
  token: string,
  alert: PushAlert,
  ttlSeconds: number | undefined,
): string {
  return JSON.stringify({
    message: {
      token,
      data: { herald_ref: source.messageId },
      android: {
        priority: 'HIGH',
        collapse_key: collapseId(source),
        ...(ttlSeconds === undefined ? {} : { ttl: `${ttlSeconds}s` }),
        notification: { body_loc_key: alert.locKey, tag: collapseId(source) },
      },
    },
  });
}

/**
 * A stable `apns-id` for the message: a UUID (RFC 9562 §5.8, version 8) from SHA-256 of the
 * message id, so every try of one message carries the same id and the provider's logs match ours.
 */
export function apnsId(source: PushSource): string {
  const h = createHash('sha256').update(source.messageId).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** `apns-collapse-id` (at most 64 bytes): the message id, so a resend replaces the first. */
export function collapseId(source: PushSource): string {
  return Buffer.byteLength(source.messageId) <= 64
    ? source.messageId
    : createHash('sha256').update(source.messageId).digest('base64url');
}

/** Seconds until the deadline (at least 1), or the default TTL, or undefined. */
export function ttlSeconds(
  source: PushSource,
  defaultTtl: number | undefined,
  now = Date.now(),
): number | undefined {
  if (source.expiresAt !== undefined)
    return Math.max(1, Math.floor((source.expiresAt.getTime() - now) / 1000));
  return defaultTtl;
}
