import type { Receipt, ReceiptStatus } from '../channel-adapter.ts';
import { MESSAGE_STATES } from './smpp-wire.ts';

/**
 * Delivery-receipt parsing. A receipt is a deliver_sm whose esm_class says "SMSC Delivery
 * Receipt" (SMPP 3.4 §5.2.12). SMPP 3.4 carries the facts twice: optional parameters
 * receipted_message_id (§5.3.2.12) and message_state (§5.3.2.35), and the de-facto text format of
 * Appendix B in short_message ("id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…").
 * SMSCs send one, the other or both; everything here is total: arbitrary input never throws.
 */

/** The stat words of SMPP 3.4 Appendix B, which are also Herald's `providerStatus`. */
export const RECEIPT_STATS = [
  'DELIVRD',
  'EXPIRED',
  'DELETED',
  'UNDELIV',
  'ACCEPTD',
  'UNKNOWN',
  'REJECTD',
  'ENROUTE',
] as const;
export type ReceiptStat = (typeof RECEIPT_STATS)[number];

/** Final stats mapped to Herald's receipt statuses; ENROUTE and ACCEPTD are not final. */
const FINAL: Readonly<Record<string, ReceiptStatus>> = {
  DELIVRD: 'delivered',
  UNDELIV: 'undelivered',
  EXPIRED: 'expired',
  REJECTD: 'rejected',
  DELETED: 'failed',
  UNKNOWN: 'failed',
};

/** SMPP 3.4 §5.2.28 message_state → Appendix B stat word. */
const STATE_TO_STAT: Readonly<Partial<Record<(typeof MESSAGE_STATES)[number], ReceiptStat>>> = {
  ENROUTE: 'ENROUTE',
  DELIVERED: 'DELIVRD',
  EXPIRED: 'EXPIRED',
  DELETED: 'DELETED',
  UNDELIVERABLE: 'UNDELIV',
  ACCEPTED: 'ACCEPTD',
  UNKNOWN: 'UNKNOWN',
  REJECTED: 'REJECTD',
};

/** Normalises an Appendix B stat word (case-insensitive); undefined when not a final state. */
export function normaliseStat(stat: string): ReceiptStatus | undefined {
  const key = stat.trim().toUpperCase();
  return Object.hasOwn(FINAL, key) ? FINAL[key] : undefined;
}

/** Fields of the Appendix B receipt text; each is present only when the text had it. */
export interface ReceiptTextFields {
  id?: string;
  sub?: string;
  dlvrd?: string;
  submitDate?: string;
  doneDate?: string;
  stat?: string;
  err?: string;
}

// Receipt texts are short (Appendix B fits in one SMS); bound the work on hostile input.
const MAX_TEXT = 1024;
// "dlvr" appears in the wild as a misspelling of the spec's "dlvrd".
const KEY = /(?:^|[\s,;])(id|sub|dlvrd|dlvr|submit[ _]date|done[ _]date|stat|err|text)\s*:/gi;
const FIELD: Readonly<Record<string, keyof ReceiptTextFields | 'text'>> = {
  id: 'id',
  sub: 'sub',
  dlvrd: 'dlvrd',
  dlvr: 'dlvrd',
  'submit date': 'submitDate',
  submit_date: 'submitDate',
  'done date': 'doneDate',
  done_date: 'doneDate',
  stat: 'stat',
  err: 'err',
  text: 'text',
};

/**
 * Parses the Appendix B receipt text. Keys may come in any order and case; each value runs to
 * the next key, and `text:` (the first characters of the original message) is dropped unread,
 * because it is message content.
 */
export function parseReceiptText(input: string): ReceiptTextFields {
  const text = input.length > MAX_TEXT ? input.slice(0, MAX_TEXT) : input;
  const marks: { field: keyof ReceiptTextFields | 'text'; start: number; end: number }[] = [];
  for (const m of text.matchAll(KEY)) {
    const field = FIELD[(m[1] ?? '').toLowerCase()];
    if (field !== undefined) marks.push({ field, start: m.index, end: m.index + m[0].length });
  }
  const out: ReceiptTextFields = {};
  for (let i = 0; i < marks.length; i++) {
    const mark = marks[i]!;
    if (mark.field === 'text') break; // everything after text: is content
    const value = text.slice(mark.end, marks[i + 1]?.start ?? text.length).trim();
    if (value !== '' && out[mark.field] === undefined) out[mark.field] = value;
  }
  return out;
}

/** The parts of a decoded deliver_sm this module reads (names as in SMPP 3.4 §4.6.1). */
export interface DeliverSmFields {
  readonly [field: string]: unknown;
  readonly esm_class?: unknown;
  readonly short_message?: unknown;
  readonly message_payload?: unknown;
  readonly receipted_message_id?: unknown;
  readonly message_state?: unknown;
  readonly network_error_code?: unknown;
}

/** What a deliver_sm turned out to be. */
export type DeliverSmReceipt =
  | { readonly kind: 'receipt'; readonly receipt: Receipt }
  | { readonly kind: 'intermediate'; readonly providerStatus: string }
  | { readonly kind: 'malformed'; readonly problem: string };

/**
 * Turns a decoded receipt deliver_sm into a Herald receipt. TLVs win over the text when both
 * are present (they are the normative SMPP 3.4 fields; the text format is only informative).
 * `at` is the arrival time: Appendix B dates have minute precision and no time zone.
 */
export function receiptFromDeliverSm(pdu: DeliverSmFields, now: Date = new Date()): DeliverSmReceipt {
  const fields = parseReceiptText(messageText(pdu.short_message) ?? messageText(pdu.message_payload) ?? '');
  const tlvId = typeof pdu.receipted_message_id === 'string' ? cleanId(pdu.receipted_message_id) : '';
  const providerMessageId = tlvId !== '' ? tlvId : cleanId(fields.id ?? '');
  if (providerMessageId === '') return { kind: 'malformed', problem: 'no message id' };

  const stateName = typeof pdu.message_state === 'number' ? MESSAGE_STATES[pdu.message_state] : undefined;
  const tlvStat = stateName === undefined ? undefined : STATE_TO_STAT[stateName];
  const textStat = fields.stat?.split(/\s/, 1)[0]?.toUpperCase();
  const providerStatus = tlvStat ?? textStat;
  if (providerStatus === undefined || providerStatus === '') {
    return { kind: 'malformed', problem: 'no message state' };
  }
  const status = normaliseStat(providerStatus);
  if (status === undefined) {
    return (RECEIPT_STATS as readonly string[]).includes(providerStatus)
      ? { kind: 'intermediate', providerStatus }
      : { kind: 'malformed', problem: 'unknown message state' };
  }
  const errorCode = networkError(pdu.network_error_code) ?? textError(fields.err);
  const receipt: Receipt =
    errorCode === undefined
      ? { channel: 'sms', providerMessageId, status, providerStatus, at: now }
      : { channel: 'sms', providerMessageId, status, providerStatus, errorCode, at: now };
  return { kind: 'receipt', receipt };
}

/** The package decodes short_message to `{ message, udh? }`; accept raw forms too. */
export function messageText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (typeof value === 'object' && value !== null && 'message' in value) {
    return messageText((value as { message: unknown }).message);
  }
  return undefined;
}

// Message ids are C-Octet Strings of up to 65 octets (SMPP 3.4 §5.2.23); keep printable ASCII.
function cleanId(raw: string): string {
  const id = raw.split(/\s/, 1)[0] ?? '';
  return /^[\x21-\x7e]{1,65}$/.test(id) ? id : '';
}

function textError(err: string | undefined): string | undefined {
  const code = err?.split(/\s/, 1)[0];
  if (code === undefined || !/^[0-9A-Za-z]{1,8}$/.test(code) || /^0+$/.test(code)) return undefined;
  return code;
}

// SMPP 3.4 §5.3.2.31 network_error_code: network type (1 octet) then error code (2 octets).
function networkError(value: unknown): string | undefined {
  if (!Buffer.isBuffer(value) || value.length !== 3) return undefined;
  const code = value.readUInt16BE(1);
  return code === 0 ? undefined : `${value[0]}:${code}`;
}
