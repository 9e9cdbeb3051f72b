import { decodeMlsMessage, type MLSMessage, type Proposal, type ProposalOrRef, type Sender } from 'ts-mls';
import { HeraldError } from '../../errors/index.ts';
import type { MlsFraming, MlsFramingSender } from './mls-engine.ts';

/** Largest `MLSMessage` the engine will decode (a Welcome with a 1,000-member tree is ~250 kB). */
export const MAX_MLS_MESSAGE_BYTES = 8 * 1024 * 1024;

/**
 * Decodes one `MLSMessage` and insists it is exactly that: protocol version mls10, a known wire
 * format, no trailing bytes. Truncated, oversized or garbage input is a
 * `HERALD_ERR_E2EE_MALFORMED_MESSAGE`, never a crash.
 */
export function decodeMlsMessageStrict(bytes: Uint8Array): MLSMessage {
  if (!(bytes instanceof Uint8Array))
    throw new HeraldError('HERALD_ERR_E2EE_MALFORMED_MESSAGE', { detail: 'not bytes' });
  if (bytes.length > MAX_MLS_MESSAGE_BYTES)
    throw new HeraldError('HERALD_ERR_E2EE_MALFORMED_MESSAGE', { detail: 'message too large' });
  let decoded: [MLSMessage, number] | undefined;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch (err) {
    // Whatever the decoder throws on hostile input (CodecError, RangeError, TypeError), the
    // input is malformed.
    throw new HeraldError('HERALD_ERR_E2EE_MALFORMED_MESSAGE', { detail: 'undecodable' }, { cause: err });
  }
  if (decoded === undefined)
    throw new HeraldError('HERALD_ERR_E2EE_MALFORMED_MESSAGE', { detail: 'undecodable' });
  const [message, end] = decoded;
  if (end !== bytes.length)
    throw new HeraldError('HERALD_ERR_E2EE_MALFORMED_MESSAGE', { detail: 'trailing bytes' });
  if (message.version !== 'mls10')
    throw new HeraldError('HERALD_ERR_E2EE_MALFORMED_MESSAGE', { detail: 'unsupported protocol version' });
  return message;
}

/** Throws unless `message` has the `expected` wire format; narrows its type. */
export function expectWireFormat<W extends MLSMessage['wireformat']>(
  message: MLSMessage,
  expected: W,
): asserts message is Extract<MLSMessage, { wireformat: W }> {
  if (message.wireformat !== expected)
    throw new HeraldError('HERALD_ERR_E2EE_UNEXPECTED_WIRE_FORMAT', { expected, actual: message.wireformat });
}

/** A proposal's type name (`add`, `remove`, …) or `custom(n)`. */
export function proposalTypeName(p: Proposal): string {
  return typeof p.proposalType === 'number' ? `custom(${p.proposalType})` : p.proposalType;
}

function proposalOrRefName(p: ProposalOrRef): string {
  return p.proposalOrRefType === 'reference' ? 'reference' : proposalTypeName(p.proposal);
}

function framingSender(s: Sender): MlsFramingSender {
  switch (s.senderType) {
    case 'member':
      return { type: 'member', leafIndex: s.leafIndex };
    case 'external':
      return { type: 'external', senderIndex: s.senderIndex };
    case 'new_member_proposal':
      return { type: 'new_member_proposal' };
    case 'new_member_commit':
      return { type: 'new_member_commit' };
  }
}

/**
 * What an `MLSMessage` shows without keys (RFC 9420 §6, RFC 9750 §5.2): the Delivery Service
 * routes and orders by this. Also refuses a PublicMessage carrying application data (RFC 9420
 * §6.2: application messages are always PrivateMessages).
 */
export function inspectFraming(message: MLSMessage): MlsFraming {
  switch (message.wireformat) {
    case 'mls_private_message': {
      const pm = message.privateMessage;
      return {
        wireFormat: 'mls_private_message',
        groupId: pm.groupId,
        epoch: pm.epoch,
        contentType: pm.contentType,
      };
    }
    case 'mls_public_message': {
      const { content } = message.publicMessage;
      if (content.contentType === 'application')
        throw new HeraldError('HERALD_ERR_E2EE_PROTOCOL_VIOLATION', {
          detail: 'application data must be sent as a PrivateMessage',
        });
      const base = {
        wireFormat: 'mls_public_message' as const,
        groupId: content.groupId,
        epoch: content.epoch,
        sender: framingSender(content.sender),
      };
      return content.contentType === 'commit'
        ? {
            ...base,
            contentType: 'commit',
            commit: {
              proposals: content.commit.proposals.map(proposalOrRefName),
              hasPath: content.commit.path !== undefined,
            },
          }
        : { ...base, contentType: 'proposal', proposalType: proposalTypeName(content.proposal) };
    }
    case 'mls_welcome':
      return {
        wireFormat: 'mls_welcome',
        cipherSuite: message.welcome.cipherSuite,
        recipients: message.welcome.secrets.map((s) => s.newMember),
      };
    case 'mls_group_info': {
      const gc = message.groupInfo.groupContext;
      return {
        wireFormat: 'mls_group_info',
        groupId: gc.groupId,
        epoch: gc.epoch,
        cipherSuite: gc.cipherSuite,
      };
    }
    case 'mls_key_package':
      return { wireFormat: 'mls_key_package', cipherSuite: message.keyPackage.cipherSuite };
  }
}
