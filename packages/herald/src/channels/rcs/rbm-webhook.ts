import { createHmac, timingSafeEqual } from 'node:crypto';
import type { InboundEvent, Receipt } from '../channel-adapter.ts';

/** What one webhook POST from the RBM platform turned out to be. */
export type RbmWebhookContent =
  /** The console's webhook check: answer 200 with `secret` as the body. */
  | { readonly kind: 'verification'; readonly secret: string }
  /** The signature (or the verification client token) is missing or wrong. */
  | { readonly kind: 'unauthenticated' }
  /** Signed, but not something Herald can use. */
  | { readonly kind: 'malformed'; readonly problem: string }
  | { readonly kind: 'ignored'; readonly what: string }
  | { readonly kind: 'receipt'; readonly receipt: Receipt }
  | { readonly kind: 'inbound'; readonly event: InboundEvent };

/** base64(HMAC-SHA512(clientToken, data)): the `X-Goog-Signature` of an RBM webhook. */
export function rbmSignature(clientToken: string, data: Buffer): string {
  return createHmac('sha512', clientToken).update(data).digest('base64');
}

/**
 * Authenticates and parses one RBM webhook (RBM guide "Webhooks"): the body is a Pub/Sub push
 * envelope whose `message.data` is the base64 event; `X-Goog-Signature` is
 * base64(HMAC-SHA512(clientToken, decoded data)), compared in constant time before the event is
 * parsed. DELIVERED and READ become receipts quoting the agent message's resource name (the
 * adapter's provider id); TTL_EXPIRATION_REVOKED is an `expired` receipt; user messages,
 * suggestion taps and IS_TYPING become inbound events.
 */
export function parseRbmWebhook(
  raw: Buffer,
  signature: string | undefined,
  clientToken: string,
): RbmWebhookContent {
  let envelope: unknown;
  try {
    envelope = JSON.parse(raw.toString('utf8'));
  } catch {
    return signature === undefined
      ? { kind: 'unauthenticated' }
      : { kind: 'malformed', problem: 'the body is not JSON' };
  }
  if (!isObject(envelope)) return { kind: 'unauthenticated' };
  // Webhook verification (RBM "Configure your webhook"): { clientToken, secret }, no signature.
  if (typeof envelope['clientToken'] === 'string' && typeof envelope['secret'] === 'string') {
    return sameText(envelope['clientToken'], clientToken)
      ? { kind: 'verification', secret: envelope['secret'] }
      : { kind: 'unauthenticated' };
  }
  const message = envelope['message'];
  const data64 = isObject(message) ? message['data'] : undefined;
  if (typeof data64 !== 'string' || signature === undefined) return { kind: 'unauthenticated' };
  const data = Buffer.from(data64, 'base64');
  if (!sameText(signature, rbmSignature(clientToken, data))) return { kind: 'unauthenticated' };
  let event: unknown;
  try {
    event = JSON.parse(data.toString('utf8'));
  } catch {
    return { kind: 'malformed', problem: 'message.data is not base64 JSON' };
  }
  return isObject(event) ? classify(event) : { kind: 'malformed', problem: 'the event is not an object' };
}

const RECEIPT_EVENTS = { DELIVERED: 'delivered', READ: 'read', TTL_EXPIRATION_REVOKED: 'expired' } as const;

function classify(event: Record<string, unknown>): RbmWebhookContent {
  const phone = event['senderPhoneNumber'];
  if (typeof phone !== 'string' || !/^\+[1-9][0-9]{1,14}$/.test(phone)) {
    return { kind: 'malformed', problem: 'senderPhoneNumber is missing or not E.164' };
  }
  const at = typeof event['sendTime'] === 'string' ? new Date(event['sendTime']) : new Date();
  const when = Number.isNaN(at.getTime()) ? new Date() : at;
  const eventType = event['eventType'];
  const eventId = typeof event['eventId'] === 'string' ? event['eventId'] : undefined;
  if (typeof eventType === 'string') {
    if (eventType === 'IS_TYPING') {
      return inbound({
        kind: 'typing',
        from: phone,
        providerEventId: eventId ?? `typing:${when.getTime()}`,
        at: when,
      });
    }
    if (!Object.hasOwn(RECEIPT_EVENTS, eventType)) return { kind: 'ignored', what: eventType };
    const messageId = event['messageId'];
    if (typeof messageId !== 'string' || messageId === '')
      return { kind: 'malformed', problem: 'messageId is missing' };
    const receipt: Receipt = {
      channel: 'rcs',
      providerMessageId: agentMessageName(phone, messageId),
      status: RECEIPT_EVENTS[eventType as keyof typeof RECEIPT_EVENTS],
      providerStatus: eventType,
      at: when,
      ...(eventId === undefined ? {} : { providerEventId: eventId }),
    };
    return { kind: 'receipt', receipt };
  }
  // A user message: its own messageId identifies it (RBM UserMessage).
  const userMessageId = typeof event['messageId'] === 'string' ? event['messageId'] : undefined;
  if (userMessageId === undefined) return { kind: 'malformed', problem: 'neither eventType nor messageId' };
  const response = event['suggestionResponse'];
  if (isObject(response)) {
    return inbound({
      kind: 'suggestion',
      from: phone,
      providerEventId: userMessageId,
      at: when,
      ...(typeof response['text'] === 'string' ? { text: response['text'] } : {}),
      ...(typeof response['postbackData'] === 'string' ? { postbackData: response['postbackData'] } : {}),
    });
  }
  if (typeof event['text'] === 'string') {
    return inbound({
      kind: 'text',
      from: phone,
      providerEventId: userMessageId,
      at: when,
      text: event['text'],
    });
  }
  return { kind: 'ignored', what: 'user message without text (location or file)' };
}

/** `phones/{E.164}/agentMessages/{messageId}`: the RBM resource name, Herald's provider id. */
export function agentMessageName(phone: string, messageId: string): string {
  return `phones/${phone}/agentMessages/${messageId}`;
}

function inbound(event: Omit<InboundEvent, 'channel'>): RbmWebhookContent {
  return { kind: 'inbound', event: { channel: 'rcs', ...event } };
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
