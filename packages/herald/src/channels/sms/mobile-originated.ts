import { createHash } from 'node:crypto';
import type { InboundEvent } from '../channel-adapter.ts';
import { messageText, type DeliverSmFields } from './smpp-receipt.ts';

/** Longest reply kept: SMPP's message_payload allows 64 KiB, far beyond any real reply. */
const MAX_TEXT = 4096;
/** Redeliveries of one reply arrive within minutes; see `inboundFromDeliverSm`. */
const DEDUPE_WINDOW_MS = 10 * 60_000;

/**
 * Turns a mobile-originated deliver_sm (a reply typed by the recipient) into an inbound event.
 * SMPP 3.4 gives an MO message no id, so the event id is a digest of sender, destination, text
 * and a ten-minute window: an SMSC that redelivers after a temporary error (ESME_RX_T_APPN)
 * yields the same id, while the same words sent again later count as a new reply.
 */
export function inboundFromDeliverSm(
  pdu: DeliverSmFields,
  now: Date = new Date(),
):
  | { readonly kind: 'inbound'; readonly event: InboundEvent }
  | { readonly kind: 'malformed'; readonly problem: string } {
  const from = typeof pdu['source_addr'] === 'string' ? pdu['source_addr'].trim() : '';
  const digits = from.replace(/^\+/, '');
  if (!/^[1-9][0-9]{6,14}$/.test(digits))
    return { kind: 'malformed', problem: 'source_addr is not a phone number' };
  const text = messageText(pdu.short_message) ?? messageText(pdu.message_payload);
  if (text === undefined || text === '') return { kind: 'malformed', problem: 'no text' };
  if (text.length > MAX_TEXT) return { kind: 'malformed', problem: 'text too long' };
  const to = typeof pdu['destination_addr'] === 'string' ? pdu['destination_addr'] : '';
  const bucket = Math.floor(now.getTime() / DEDUPE_WINDOW_MS);
  const providerEventId = `mo-${createHash('sha256').update(`${digits}\n${to}\n${bucket}\n${text}`).digest('hex').slice(0, 32)}`;
  return {
    kind: 'inbound',
    event: { channel: 'sms', kind: 'text', from: `+${digits}`, providerEventId, text, at: now },
  };
}
