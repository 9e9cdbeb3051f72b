import { createHmac, randomUUID } from 'node:crypto';
import type { OutgoingEvent } from '../control/event-poster.ts';

/**
 * RBM user and server events as the platform posts them to an agent's webhook: a Pub/Sub push
 * envelope whose `message.data` is the base64 event JSON, signed in `X-Goog-Signature` with
 * base64(HMAC-SHA512(clientToken, decoded data)) (RBM guide "Webhooks: verify incoming messages").
 */

/** The RBM event types the simulator sends. */
export type RbmEventType = 'DELIVERED' | 'READ' | 'IS_TYPING' | 'TTL_EXPIRATION_REVOKED';

/** A user event about one agent message, or a server event (TTL expiry). */
export function rbmEvent(
  agentId: string,
  phone: string,
  eventType: RbmEventType,
  messageId: string,
): Record<string, unknown> {
  return {
    senderPhoneNumber: phone,
    eventType,
    eventId: `ev-${randomUUID()}`,
    messageId,
    sendTime: new Date().toISOString(),
    agentId,
  };
}

/** A user message: typed text, or a tapped suggestion when `postbackData` is given. */
export function rbmUserMessage(
  agentId: string,
  phone: string,
  reply: { readonly text: string; readonly postbackData?: string | undefined },
): Record<string, unknown> {
  const base = {
    senderPhoneNumber: phone,
    messageId: `um-${randomUUID()}`,
    sendTime: new Date().toISOString(),
    agentId,
  };
  return reply.postbackData === undefined
    ? { ...base, text: reply.text }
    : { ...base, suggestionResponse: { postbackData: reply.postbackData, text: reply.text, type: 'REPLY' } };
}

/** Wraps an event in the Pub/Sub push envelope and signs it. */
export function signedEnvelope(
  agentId: string,
  clientToken: string,
  event: Record<string, unknown>,
): OutgoingEvent {
  const data = Buffer.from(JSON.stringify(event), 'utf8');
  const body = JSON.stringify({
    message: {
      data: data.toString('base64'),
      messageId: randomUUID(),
      publishTime: new Date().toISOString(),
    },
    subscription: `projects/rbm-${agentId}/subscriptions/rbm-agent-subscription`,
  });
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-goog-signature': createHmac('sha512', clientToken).update(data).digest('base64'),
    },
  };
}
