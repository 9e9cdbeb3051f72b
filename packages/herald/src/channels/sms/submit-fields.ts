import type { OutboundMessage } from '../channel-adapter.ts';
import { HeraldError } from '../../errors/index.ts';
import {
  encodeBody,
  HERALD_MESSAGE_ID_TLV,
  MESSAGE_PAYLOAD_MAX_OCTETS,
  NPI_ISDN,
  REGISTERED_DELIVERY_FINAL,
  TON_ALPHANUMERIC,
  TON_INTERNATIONAL,
} from './smpp-wire.ts';

/** Turns an outbound message into submit_sm fields, or throws a non-retryable HeraldError. */
export type SubmitFieldsBuilder = (message: OutboundMessage) => Record<string, unknown>;

const E164 = /^\+[1-9][0-9]{1,14}$/;
const SHORT_CODE = /^[0-9]{1,15}$/;
// GSM 03.40 §9.1.2.5: an alphanumeric originator holds at most 11 characters.
const ALPHANUMERIC = /^[A-Za-z0-9 ]{1,11}$/;

interface SourceOptions {
  readonly sourceAddr: string;
  readonly sourceAddrTon?: number;
  readonly sourceAddrNpi?: number;
}

/**
 * Builds the submit_sm field builder for one sender. The sender's TON/NPI are worked out once
 * (SMPP 3.4 §5.2.5/§5.2.6); a sender Herald cannot classify is a configuration error.
 */
export function buildSubmitFields(options: SourceOptions): SubmitFieldsBuilder {
  const source = sourceAddress(options);
  return (message) => {
    // SMPP 3.4 §5.2.5: international numbers go out as TON 1 / NPI 1 without the '+'.
    if (!E164.test(message.to))
      throw new HeraldError('HERALD_ERR_CHANNEL_INVALID_DESTINATION', { channel: 'sms' });
    const body = encodeBody(message.body);
    if (body === undefined) {
      throw new HeraldError('HERALD_ERR_CHANNEL_CONTENT_TOO_LONG', {
        channel: 'sms',
        limit: MESSAGE_PAYLOAD_MAX_OCTETS,
      });
    }
    const fields: Record<string, unknown> = {
      ...source,
      dest_addr_ton: TON_INTERNATIONAL,
      dest_addr_npi: NPI_ISDN,
      destination_addr: message.to.slice(1),
      // SMPP 3.4 §5.2.17: ask for a receipt on the final outcome, success or failure.
      registered_delivery: REGISTERED_DELIVERY_FINAL,
      data_coding: body.dataCoding,
      // SMPP 3.4 §5.3.2.32: with message_payload present, short_message stays empty.
      [body.field]: body.data,
      [HERALD_MESSAGE_ID_TLV]: message.messageId,
    };
    // SMPP 3.4 §5.2.16 / §7.1.1: an absolute validity period; the package encodes the Date.
    if (message.expiresAt !== undefined) fields['validity_period'] = message.expiresAt;
    return fields;
  };
}

function sourceAddress(options: SourceOptions): Record<string, unknown> {
  const addr = options.sourceAddr;
  let derived: { ton: number; npi: number; addr: string };
  if (E164.test(addr)) derived = { ton: TON_INTERNATIONAL, npi: NPI_ISDN, addr: addr.slice(1) };
  else if (SHORT_CODE.test(addr)) derived = { ton: 0, npi: NPI_ISDN, addr };
  else if (ALPHANUMERIC.test(addr)) derived = { ton: TON_ALPHANUMERIC, npi: 0, addr };
  else {
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', {
      detail: 'SMS sourceAddr must be an E.164 number, a short code or up to 11 letters and digits',
    });
  }
  return {
    source_addr_ton: options.sourceAddrTon ?? derived.ton,
    source_addr_npi: options.sourceAddrNpi ?? derived.npi,
    source_addr: derived.addr,
  };
}
