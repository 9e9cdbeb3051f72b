import smpp from 'smpp';
import type { Pdu, Server, Session } from 'smpp';

/** The vendor types, under Herald's names (described in `smpp-vendor.d.ts`). */
export type { Pdu as SmppPdu, Session as SmppSession, Server as SmppServer } from 'smpp';

/**
 * Wire-level constants and helpers shared by the SMS adapter and the simulator's SMSC, so both
 * ends register the same vendor TLV and agree on the numbers below. Importing this module
 * registers the TLV with the `smpp` package (a process-wide table), which is idempotent.
 */

/** SMPP 3.4 §5.3.2: tags 0x1400–0x3FFF are reserved for SMSC-vendor-specific optional parameters. */
export const HERALD_MESSAGE_ID_TAG = 0x1400;
/** The property name the `smpp` package uses for the TLV carrying Herald's message id. */
export const HERALD_MESSAGE_ID_TLV = 'herald_message_id';

// An Octet String TLV (length from the TLV header), not a C-Octet String: the package's cstring
// reader ignores the TLV length and would read past a value that lacks its NUL.
smpp.addTLV(HERALD_MESSAGE_ID_TLV, { id: HERALD_MESSAGE_ID_TAG, type: smpp.types.tlv.string });

/** SMPP 3.4 §5.2.12 esm_class: bits 5–2 give the message type. */
export const ESM_CLASS_TYPE_MASK = 0x3c;
/** SMPP 3.4 §5.2.12 esm_class message type xx0001xx: SMSC Delivery Receipt. */
export const ESM_CLASS_DELIVERY_RECEIPT = 0x04;

/** SMPP 3.4 §5.2.17 registered_delivery: receipt on final outcome, success or failure. */
export const REGISTERED_DELIVERY_FINAL = 0x01;
/** SMPP 3.4 §5.2.17 registered_delivery: receipt on failure only. */
export const REGISTERED_DELIVERY_FAILURE = 0x02;

/** SMPP 3.4 §5.2.4 interface_version: 0x34 announces version 3.4 (the package defaults to 5.0). */
export const INTERFACE_VERSION_34 = 0x34;

/** SMPP 3.4 §5.2.5: TON international; the number goes without its '+'. */
export const TON_INTERNATIONAL = 0x01;
/** SMPP 3.4 §5.2.6: NPI ISDN (E.164). */
export const NPI_ISDN = 0x01;
/** SMPP 3.4 §5.2.5: alphanumeric sender ids use TON 5 with NPI unknown. */
export const TON_ALPHANUMERIC = 0x05;

/** SMPP 3.4 §5.2.22: short_message holds at most 254 octets; longer text goes in message_payload. */
export const SHORT_MESSAGE_MAX_OCTETS = 254;
/**
 * The longest encoded body Herald sends in message_payload (SMPP 3.4 §5.3.2.32 allows 64 K, but
 * the `smpp` package refuses to parse PDUs over 16 KiB, and carriers cap concatenation far lower).
 */
export const MESSAGE_PAYLOAD_MAX_OCTETS = 8000;

/** SMPP 3.4 §5.2.28 message_state values, index = value. */
export const MESSAGE_STATES = [
  'SCHEDULED',
  'ENROUTE',
  'DELIVERED',
  'EXPIRED',
  'DELETED',
  'UNDELIVERABLE',
  'ACCEPTED',
  'UNKNOWN',
  'REJECTED',
] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

/** Opens a client connection; the adapter's seam for tests that want a fake peer. */
export type SmppConnector = (target: { host: string; port: number }) => Session;

/** The real connector: a TCP connection through the `smpp` package. */
export const connectSmpp: SmppConnector = (target) => {
  const session = smpp.connect({ host: target.host, port: target.port });
  batchWrites(session);
  return session;
};

/**
 * The package writes every PDU with its own `socket.write`, one syscall and one TCP segment
 * each. Corking the socket for the rest of the event-loop turn coalesces the PDUs written in
 * it into one `writev`, which is most of the difference between hundreds and thousands of
 * PDUs a second; Nagle's algorithm is off so a lone PDU still leaves at once.
 */
export function batchWrites(session: Session): void {
  const socket = session.socket;
  socket.setNoDelay(true);
  const send = session.send.bind(session);
  let corked = false;
  session.send = (pdu, onResponse, onSent) => {
    if (!corked && socket.writable) {
      corked = true;
      socket.cork();
      setImmediate(() => {
        corked = false;
        socket.uncork();
      });
    }
    return send(pdu, onResponse, onSent);
  };
}

/** An SMPP server (a `net.Server`) handing each accepted connection to `onSession`. */
export function createSmppServer(onSession: (session: Session) => void): Server {
  return smpp.createServer({}, (session) => {
    batchWrites(session);
    onSession(session);
  });
}

/** Builds a PDU through the package (it fills defaults and encodes on write). */
export function makePdu(command: string, fields: Record<string, unknown> = {}): Pdu {
  return new smpp.PDU(command, fields);
}

/** An encoded message body and where it goes in submit_sm. */
export interface EncodedBody {
  readonly field: 'short_message' | 'message_payload';
  readonly data: Buffer;
  /** SMPP 3.4 §5.2.19 data_coding matching `data`. */
  readonly dataCoding: number;
}

// SMPP 3.4 §5.2.19 data_coding for each of the package's encoders. The package labels its GSM
// 03.38 encoder "ASCII" and tags it 0x01 (IA5), which an SMSC would read as ASCII and garble
// '$', '@' or '_'; GSM text goes out as 0x00, "SMSC default alphabet", which is GSM 03.38 on
// GSM networks.
const DATA_CODING: Readonly<Record<string, number>> = { ASCII: 0x00, LATIN1: 0x03, UCS2: 0x08 };

/**
 * Encodes a body up front with the package's encoders (GSM 03.38, Latin-1 or UCS-2, the first
 * that can represent it), so the adapter can choose short_message or message_payload by the
 * real octet count. Returns undefined when even message_payload cannot carry it.
 */
export function encodeBody(body: string): EncodedBody | undefined {
  // Fast path: these characters sit at their ASCII code points in the GSM 03.38 default
  // alphabet, so the package's GSM encoder would produce exactly the Latin-1 bytes.
  if (GSM_SAME_AS_ASCII.test(body)) return place(Buffer.from(body, 'latin1'), 0x00);
  const name = smpp.encodings.detect(body) || 'UCS2';
  const encoding = smpp.encodings[name];
  const dataCoding = DATA_CODING[name];
  if (encoding === undefined || dataCoding === undefined) return undefined;
  return place(encoding.encode(body), dataCoding);
}

const GSM_SAME_AS_ASCII = /^[A-Za-z0-9 !"#%&'()*+,\-./:;<=>?\n\r]*$/;

function place(data: Buffer, dataCoding: number): EncodedBody | undefined {
  if (data.length > MESSAGE_PAYLOAD_MAX_OCTETS) return undefined;
  return {
    field: data.length <= SHORT_MESSAGE_MAX_OCTETS ? 'short_message' : 'message_payload',
    data,
    dataCoding,
  };
}
