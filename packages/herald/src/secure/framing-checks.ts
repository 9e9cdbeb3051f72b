import { HeraldError } from '../errors/index.ts';
import type { MlsEngine, MlsFramingSender } from '../e2ee/mls/mls-engine.ts';
import { decodeBase64 } from '../tlog/base64.ts';
import { groupIdOf, type GroupId } from './group-id.ts';

/** What the Delivery Service needs of the MLS engine: reading framing, never keys. */
export type FramingReader = Pick<MlsEngine, 'inspectMessage'>;

/** Content types a group message can carry (RFC 9420 §6). */
export type GroupContentType = 'commit' | 'proposal' | 'application';

/** The framing of a PublicMessage or PrivateMessage of one group. */
export interface GroupMessageFraming {
  readonly contentType: GroupContentType;
  readonly epoch: bigint;
  /** Only PublicMessages show their sender. */
  readonly sender?: MlsFramingSender;
}

/** Decodes a client's base64 MLS message, bounded by `limit` bytes. */
export function mlsBytes(text: string, field: string, limit: number): Uint8Array {
  const bytes = decodeBase64(text);
  if (bytes === undefined)
    throw new HeraldError('HERALD_ERR_E2EE_MALFORMED_MESSAGE', { detail: `${field} is not standard base64` });
  if (bytes.length > limit) throw new HeraldError('HERALD_ERR_SECURE_MESSAGE_TOO_LARGE', { field, limit });
  return bytes;
}

/**
 * Reads a group message's framing and insists it belongs to `groupId` and carries one of the
 * `allowed` content types. The content itself stays encrypted: a PrivateMessage commit is
 * ordered by its epoch alone (RFC 9750 §5.2: the DS sees only what the framing shows).
 */
export function readGroupMessage(
  reader: FramingReader,
  bytes: Uint8Array,
  groupId: GroupId,
  allowed: readonly GroupContentType[],
): GroupMessageFraming {
  const f = reader.inspectMessage(bytes);
  if (f.wireFormat !== 'mls_public_message' && f.wireFormat !== 'mls_private_message')
    throw new HeraldError('HERALD_ERR_E2EE_UNEXPECTED_WIRE_FORMAT', {
      expected: 'PublicMessage or PrivateMessage',
      actual: f.wireFormat,
    });
  if (f.groupId === undefined || groupIdOf(f.groupId) !== groupId)
    throw new HeraldError('HERALD_ERR_E2EE_WRONG_GROUP');
  if (f.contentType === undefined || f.epoch === undefined)
    throw new HeraldError('HERALD_ERR_E2EE_MALFORMED_MESSAGE', { detail: 'no content type or epoch' });
  if (!allowed.includes(f.contentType))
    throw new HeraldError('HERALD_ERR_SECURE_WRONG_CONTENT_TYPE', {
      expected: allowed.join(' or '),
      actual: f.contentType,
    });
  return {
    contentType: f.contentType,
    epoch: f.epoch,
    ...(f.sender === undefined ? {} : { sender: f.sender }),
  };
}

/** Reads a Welcome: the KeyPackageRefs of the devices it is for. */
export function readWelcome(reader: FramingReader, bytes: Uint8Array): readonly Uint8Array[] {
  const f = reader.inspectMessage(bytes);
  if (f.wireFormat !== 'mls_welcome')
    throw new HeraldError('HERALD_ERR_E2EE_UNEXPECTED_WIRE_FORMAT', {
      expected: 'Welcome',
      actual: f.wireFormat,
    });
  return f.recipients ?? [];
}

/** Checks that a GroupInfo is this group's, for the epoch the commit enters. */
export function readGroupInfo(
  reader: FramingReader,
  bytes: Uint8Array,
  groupId: GroupId,
  epoch: bigint,
): void {
  const f = reader.inspectMessage(bytes);
  if (f.wireFormat !== 'mls_group_info')
    throw new HeraldError('HERALD_ERR_E2EE_UNEXPECTED_WIRE_FORMAT', {
      expected: 'GroupInfo',
      actual: f.wireFormat,
    });
  if (f.groupId === undefined || groupIdOf(f.groupId) !== groupId)
    throw new HeraldError('HERALD_ERR_E2EE_WRONG_GROUP');
  if (f.epoch !== epoch)
    throw new HeraldError('HERALD_ERR_SECURE_INVALID_HANDSHAKE', {
      detail: `the GroupInfo is for epoch ${String(f.epoch)}, the commit enters epoch ${epoch}`,
    });
}

/** RFC 9420 §14: a handshake or application message is for the group's current epoch or refused. */
export function checkEpoch(epoch: bigint, current: number): void {
  if (epoch !== BigInt(current))
    throw new HeraldError('HERALD_ERR_SECURE_STALE_EPOCH', { epoch: epoch.toString(), current });
}
