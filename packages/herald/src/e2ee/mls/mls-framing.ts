import {
  decodeMlsMessage,
  type FramedContent,
  type GroupInfo,
  type MLSMessage,
  type Proposal,
  type ProposalOrRef,
  type RatchetTree,
  type Sender,
} from 'ts-mls';
import { decodeRatchetTree } from 'ts-mls/ratchetTree.js';
import { HeraldError } from '../../errors/index.ts';
import { credentialIdentity } from './credential-validator.ts';
import type { MlsFraming, MlsFramingSender, MlsMember } from './mls-engine.ts';

/** RFC 9420 §17.4: proposal types up to 0x0007 are defined (0x0000 reserved). */
const LAST_DEFAULT_PROPOSAL_TYPE = 0x0007;

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
  if (message.wireformat === 'mls_public_message') checkContentProposals(message.publicMessage.content);
  return message;
}

/**
 * Refuses a proposal that ts-mls 1.6.4 decoded as "custom" under a type number RFC 9420 defines
 * or reserves (0x0000–0x0007). Its proposal decoder falls back to a custom proposal when a known
 * type's body does not parse, so a truncated or garbled Remove reads as `custom(3)` carrying
 * whatever bytes follow, and ts-mls skips custom proposals when it applies a commit.
 */
export function checkContentProposals(content: FramedContent): void {
  const proposals =
    content.contentType === 'proposal'
      ? [content.proposal]
      : content.contentType === 'commit'
        ? content.commit.proposals.flatMap((p) => (p.proposalOrRefType === 'proposal' ? [p.proposal] : []))
        : [];
  for (const p of proposals)
    if (typeof p.proposalType === 'number' && p.proposalType <= LAST_DEFAULT_PROPOSAL_TYPE)
      throw new HeraldError('HERALD_ERR_E2EE_MALFORMED_MESSAGE', {
        detail: `proposal of type ${p.proposalType} does not parse`,
      });
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
 * The members a GroupInfo's `ratchet_tree` extension lists (RFC 9420 §12.4.3.3), `undefined`
 * without one. A tree that does not decode completely, or has leaves and parents out of place,
 * makes the GroupInfo malformed: the server should not store what no device could join from.
 */
function groupInfoMembers(gi: GroupInfo): MlsMember[] | undefined {
  const ext = gi.extensions.find((e) => e.extensionType === 'ratchet_tree');
  if (ext === undefined) return undefined;
  const malformed = () => new HeraldError('HERALD_ERR_E2EE_MALFORMED_MESSAGE', { detail: 'ratchet tree' });
  let tree: RatchetTree;
  try {
    const decoded = decodeRatchetTree(ext.extensionData, 0);
    if (decoded === undefined || decoded[1] !== ext.extensionData.length) throw malformed();
    tree = decoded[0];
  } catch {
    throw malformed();
  }
  const members: MlsMember[] = [];
  for (const [i, node] of tree.entries()) {
    if (node === undefined) continue;
    // RFC 9420 §7.8: leaves sit at even node indices, parents at odd ones.
    if ((node.nodeType === 'leaf') !== (i % 2 === 0)) throw malformed();
    if (node.nodeType === 'leaf')
      members.push({
        leafIndex: i / 2,
        identity: credentialIdentity(node.leaf.credential),
        signaturePublicKey: node.leaf.signaturePublicKey,
      });
  }
  return members;
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
      const members = groupInfoMembers(message.groupInfo);
      return {
        wireFormat: 'mls_group_info',
        groupId: gc.groupId,
        epoch: gc.epoch,
        cipherSuite: gc.cipherSuite,
        ...(members === undefined ? {} : { members }),
      };
    }
    case 'mls_key_package':
      return { wireFormat: 'mls_key_package', cipherSuite: message.keyPackage.cipherSuite };
  }
}
