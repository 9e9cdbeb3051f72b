import { HeraldError } from '../errors/index.ts';
import type { Brand } from '../ids.ts';
import { decodeBase64, encodeBase64 } from '../tlog/base64.ts';

/** An MLS group id as the Delivery Service stores it: the canonical standard base64 of its bytes. */
export type GroupId = Brand<string, 'GroupId'>;

/** A leaf of an MLS ratchet tree (RFC 9420 §7.1): where one member device sits. */
export type LeafIndex = Brand<number, 'LeafIndex'>;

/** Group ids are random, 16 to 64 bytes (docs/secure-channel.md). */
export const GROUP_ID_BYTES = { min: 16, max: 64 } as const;

/** Parses a group id sent by a client, or throws HERALD_ERR_API_VALIDATION. */
export function parseGroupId(text: string): GroupId {
  const bytes = decodeBase64(text);
  if (bytes === undefined || bytes.length < GROUP_ID_BYTES.min || bytes.length > GROUP_ID_BYTES.max)
    throw new HeraldError('HERALD_ERR_API_VALIDATION', {
      detail: `groupId must be ${GROUP_ID_BYTES.min} to ${GROUP_ID_BYTES.max} bytes in standard base64`,
    });
  return text as GroupId;
}

/** The group id an MLS message's framing names. */
export function groupIdOf(bytes: Uint8Array): GroupId {
  return encodeBase64(bytes) as GroupId;
}
