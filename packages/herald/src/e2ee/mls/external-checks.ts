import type { CiphersuiteImpl, ClientState, Commit, Extension, PublicMessage, RatchetTree } from 'ts-mls';
import { makeProposalRef } from 'ts-mls/authenticatedContent.js';
import { decodeExternalSender } from 'ts-mls/externalSender.js';
import { verifyFramedContentSignature } from 'ts-mls/framedContent.js';
import { bytesToBase64 } from 'ts-mls/util/byteArray.js';
import { HeraldError } from '../../errors/index.ts';
import { pendingRemovals } from './commit-checks.ts';
import {
  credentialIdentity,
  type CredentialValidator,
  type MlsMemberIdentity,
} from './credential-validator.ts';
import { proposalTypeName } from './mls-framing.ts';
import { memberAt, treeMembers } from './ts-mls-tree.ts';

const sameDevice = (a: MlsMemberIdentity, b: MlsMemberIdentity): boolean =>
  a.userId === b.userId && a.deviceId === b.deviceId;

/**
 * The group's external senders, in `sender_index` order. ts-mls 1.6.4 writes one ExternalSender
 * per `external_senders` extension and counts `sender_index` over those extensions (not over the
 * vector of RFC 9420 §12.1.8.1); Herald reads them the same way, or no index would match.
 */
function externalSenders(extensions: readonly Extension[]) {
  return extensions
    .filter((e) => e.extensionType === 'external_senders')
    .map((e) => {
      const decoded = decodeExternalSender(e.extensionData, 0);
      if (decoded === undefined || decoded[1] !== e.extensionData.length)
        throw new HeraldError('HERALD_ERR_E2EE_MALFORMED_MESSAGE', { detail: 'external_senders extension' });
      return decoded[0];
    });
}

/**
 * Every external sender of a group must pass Herald's Authentication Service before a device
 * trusts the group: whoever is named there can remove members. ts-mls checks them only when a
 * group is created, not when a device joins.
 */
export async function checkExternalSenders(
  extensions: readonly Extension[],
  validator: CredentialValidator,
): Promise<void> {
  for (const sender of externalSenders(extensions)) {
    const verdict = await validator.validate(sender.credential, sender.signaturePublicKey);
    if (!verdict.ok) throw new HeraldError('HERALD_ERR_E2EE_CREDENTIAL_REJECTED', { reason: verdict.reason });
  }
}

const refusedProposal = (reason: string): HeraldError =>
  new HeraldError('HERALD_ERR_E2EE_EXTERNAL_PROPOSAL_REFUSED', { reason });

/**
 * Herald's rules for a PublicMessage from an external sender (RFC 9420 §12.1.8.1), checked before
 * ts-mls stores the proposal: only the Delivery Service's Remove is accepted; its signature must
 * verify under the group's `external_senders` entry (for an external sender FramedContentTBS has
 * no GroupContext and there is no membership tag, RFC 9420 §6.1–6.2), the sender's credential
 * must pass Herald's Authentication Service (ts-mls asks none for external senders), and the
 * removed leaf must be a member. The epoch has been checked by the caller.
 */
export async function checkExternalProposal(
  client: ClientState,
  pm: PublicMessage,
  cs: CiphersuiteImpl,
  validator: CredentialValidator,
): Promise<void> {
  const { content, auth } = pm;
  if (content.sender.senderType !== 'external') return;
  if (content.contentType !== 'proposal') throw refusedProposal('an external sender may only propose');
  if (content.proposal.proposalType !== 'remove')
    throw refusedProposal(
      `an external sender may only propose remove, not ${proposalTypeName(content.proposal)}`,
    );
  const sender = externalSenders(client.groupContext.extensions)[content.sender.senderIndex];
  if (sender === undefined)
    throw refusedProposal(`the group has no external sender ${content.sender.senderIndex}`);
  const signed = await verifyFramedContentSignature(
    sender.signaturePublicKey,
    'mls_public_message',
    content,
    auth,
    client.groupContext,
    cs.signature,
  );
  if (!signed)
    throw new HeraldError('HERALD_ERR_E2EE_AUTHENTICATION_FAILED', { detail: 'external sender signature' });
  const verdict = await validator.validate(sender.credential, sender.signaturePublicKey);
  if (!verdict.ok) throw new HeraldError('HERALD_ERR_E2EE_CREDENTIAL_REJECTED', { reason: verdict.reason });
  const removed = content.proposal.remove.removed;
  memberAt(client.ratchetTree, removed);
  // Two different Removes of one leaf would make every later commit invalid (RFC 9420 §12.2);
  // the same proposal delivered twice has the same reference and is simply stored again.
  if (pendingRemovals(client).has(removed)) {
    const ref = bytesToBase64(
      await makeProposalRef({ wireformat: 'mls_public_message', content, auth }, cs.hash),
    );
    if (client.unappliedProposals[ref] === undefined)
      throw refusedProposal(`a Remove of leaf ${removed} is already pending`);
  }
}

/**
 * Who may join by external commit, decided from the group's tree before the commit (both the
 * joiner and every member apply it): a device of a user who already has a leaf in the group —
 * a member's device that lost its state, or a member's new device. With `removedLeaf` (resync),
 * that leaf must be the same device (RFC 9420 §12.2: the joiner's credential must be acceptable
 * for the removed participant); without it, the device must not be in the group already.
 * Returns why the join is refused, or `undefined`.
 */
export function externalJoinRefusal(
  tree: RatchetTree,
  joiner: MlsMemberIdentity,
  removedLeaf: number | undefined,
): string | undefined {
  const members = treeMembers(tree);
  if (removedLeaf !== undefined) {
    const old = members.find((m) => m.leafIndex === removedLeaf);
    if (old === undefined) return `leaf ${removedLeaf} is blank`;
    return old.identity !== undefined && sameDevice(old.identity, joiner)
      ? undefined
      : `leaf ${removedLeaf} is another device`;
  }
  if (members.some((m) => m.identity !== undefined && sameDevice(m.identity, joiner)))
    return 'the device is already in the group: resync its old leaf';
  if (!members.some((m) => m.identity?.userId === joiner.userId))
    return 'only a device of a member may join by external commit';
  return undefined;
}

const violation = (detail: string): HeraldError =>
  new HeraldError('HERALD_ERR_E2EE_PROTOCOL_VIOLATION', { detail });

/**
 * Herald's checks on an incoming external commit (sender `new_member_commit`), before ts-mls
 * applies it: the proposal list of RFC 9420 §12.2 (exactly one ExternalInit, at most one Remove,
 * PreSharedKeys, nothing else), only proposals by value and an UpdatePath (§12.4.3.2), and the
 * join rule of {@link externalJoinRefusal}. ts-mls 1.6.4 skips custom proposals, does not ask for
 * exactly one ExternalInit, and lets an external commit remove any leaf.
 */
export function checkExternalCommit(client: ClientState, commit: Commit): void {
  let inits = 0;
  let removed: number | undefined;
  for (const p of commit.proposals) {
    if (p.proposalOrRefType !== 'proposal') throw violation('an external commit has proposals by reference');
    const proposal = p.proposal;
    if (proposal.proposalType === 'external_init') inits++;
    else if (proposal.proposalType === 'remove') {
      if (removed !== undefined) throw violation('an external commit removes more than one leaf');
      removed = proposal.remove.removed;
    } else if (proposal.proposalType !== 'psk')
      throw violation(`an external commit may not carry ${proposalTypeName(proposal)}`);
  }
  if (inits !== 1) throw violation('an external commit needs exactly one ExternalInit');
  if (commit.path === undefined)
    throw new HeraldError('HERALD_ERR_E2EE_COMMIT_PATH_REQUIRED', { proposals: 'external_init' });
  const { credential } = commit.path.leafNode;
  const joiner = credentialIdentity(credential);
  if (joiner === undefined)
    throw new HeraldError('HERALD_ERR_E2EE_CREDENTIAL_REJECTED', {
      reason: credential.credentialType === 'basic' ? 'malformed_identity' : 'unsupported_credential_type',
    });
  const refusal = externalJoinRefusal(client.ratchetTree, joiner, removed);
  if (refusal !== undefined)
    throw new HeraldError('HERALD_ERR_E2EE_EXTERNAL_JOIN_REFUSED', { reason: refusal });
}
