import {
  createGroupInfoWithExternalPubAndRatchetTree,
  defaultCapabilities,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  joinGroupExternal,
  type CiphersuiteImpl,
  type ClientConfig,
  type ClientState,
  type FramedContent,
  type GroupInfo,
  type PublicMessage,
} from 'ts-mls';
import { signFramedContentTBS, type FramedContentTBS } from 'ts-mls/framedContent.js';
import { ratchetTreeFromExtension } from 'ts-mls/groupInfo.js';
import { HeraldError } from '../../errors/index.ts';
import { encodeMemberIdentity, type CredentialValidator } from './credential-validator.ts';
import { checkExternalSenders, externalJoinRefusal } from './external-checks.ts';
import type { MlsExternalJoiner, MlsExternalRemoveRequest } from './mls-engine.ts';
import { erase } from './ts-mls-receive.ts';
import { memberAt } from './ts-mls-tree.ts';
import type { KeyPackagePolicy } from './ts-mls-key-packages.ts';
import { unixSeconds } from './ts-mls-key-packages.ts';

/** Longest group id the engine creates or names (Herald's own are 32 random bytes). */
export const MAX_GROUP_ID_BYTES = 256;
const UINT32_MAX = 0xffff_ffff;
const UINT64_MAX = (1n << 64n) - 1n;

const invalid = (detail: string): HeraldError =>
  new HeraldError('HERALD_ERR_E2EE_INVALID_ARGUMENT', { detail });
const isUint32 = (n: unknown): n is number =>
  Number.isInteger(n) && (n as number) >= 0 && (n as number) <= UINT32_MAX;

/** Throws unless `groupId` is a group id the engine accepts. */
export function checkGroupId(groupId: unknown): asserts groupId is Uint8Array {
  if (!(groupId instanceof Uint8Array) || groupId.length === 0 || groupId.length > MAX_GROUP_ID_BYTES)
    throw invalid(`group id must be 1 to ${MAX_GROUP_ID_BYTES} bytes`);
}

/**
 * The Delivery Service's Remove proposal as external sender (RFC 9420 §12.1.8.1), built without
 * group state. ts-mls 1.6.4's `proposeExternal` wants a GroupInfo to look up its sender index;
 * the server signs from what it knows instead. For an external sender FramedContentTBS carries
 * no GroupContext (RFC 9420 §6.1) and the PublicMessage no membership tag (§6.2), so the group
 * id, epoch and sender index in the content are all the signature binds.
 */
export async function externalRemoveProposal(
  request: MlsExternalRemoveRequest,
  cs: CiphersuiteImpl,
): Promise<Uint8Array> {
  checkGroupId(request.groupId);
  if (typeof request.epoch !== 'bigint' || request.epoch < 0n || request.epoch > UINT64_MAX)
    throw invalid('epoch must be a uint64');
  if (!isUint32(request.removedLeafIndex))
    throw new HeraldError('HERALD_ERR_E2EE_MEMBER_NOT_FOUND', { leaf: String(request.removedLeafIndex) });
  if (!isUint32(request.senderIndex)) throw invalid('sender index must be a uint32');
  if (!(request.signer?.privateKey instanceof Uint8Array)) throw invalid('signer private key');
  const content: FramedContent = {
    groupId: request.groupId,
    epoch: request.epoch,
    sender: { senderType: 'external', senderIndex: request.senderIndex },
    authenticatedData: new Uint8Array(),
    contentType: 'proposal',
    proposal: { proposalType: 'remove', remove: { removed: request.removedLeafIndex } },
  };
  const tbs: FramedContentTBS = {
    protocolVersion: 'mls10',
    wireformat: 'mls_public_message',
    content,
    senderType: 'external',
  };
  const signature = await signFramedContentTBS(request.signer.privateKey, tbs, cs.signature);
  const publicMessage: PublicMessage = {
    content,
    auth: { contentType: 'proposal', signature },
    senderType: 'external',
  };
  return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_public_message', publicMessage });
}

/** `MLSMessage(GroupInfo)` of `client`'s epoch with `external_pub` and the ratchet tree, signed by it. */
export async function groupInfoMessage(client: ClientState, cs: CiphersuiteImpl): Promise<Uint8Array> {
  const groupInfo = await createGroupInfoWithExternalPubAndRatchetTree(client, [], cs);
  return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_group_info', groupInfo });
}

const refused = (reason: string): HeraldError =>
  new HeraldError('HERALD_ERR_E2EE_EXTERNAL_JOIN_REFUSED', { reason });

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Joins by external commit (RFC 9420 §12.4.3.2) through ts-mls's `joinGroupExternal`, which
 * verifies the GroupInfo signature and the tree (every leaf through Herald's Authentication
 * Service). Herald adds: the join rule every member applies too ({@link externalJoinRefusal}),
 * a resync leaf named explicitly (ts-mls picks the leaf with the joiner's signature key; the
 * engine checks that it is the named one), and the check of the group's external senders.
 */
export async function externalJoin(
  groupInfo: GroupInfo,
  joiner: MlsExternalJoiner,
  oldLeafIndex: number | undefined,
  context: {
    readonly cs: CiphersuiteImpl;
    readonly config: ClientConfig;
    readonly validator: CredentialValidator;
    readonly policy: KeyPackagePolicy;
    readonly now: Date;
  },
): Promise<{ commit: Uint8Array; state: ClientState }> {
  const { cs, config } = context;
  const tree = ratchetTreeFromExtension(groupInfo);
  if (tree === undefined || !groupInfo.extensions.some((e) => e.extensionType === 'external_pub'))
    throw refused('the GroupInfo carries no external_pub or ratchet tree');
  let identity: Uint8Array;
  try {
    identity = encodeMemberIdentity(joiner.identity);
  } catch {
    throw new HeraldError('HERALD_ERR_E2EE_CREDENTIAL_REJECTED', { reason: 'malformed_identity' });
  }
  if (oldLeafIndex !== undefined && !isUint32(oldLeafIndex))
    throw new HeraldError('HERALD_ERR_E2EE_MEMBER_NOT_FOUND', { leaf: String(oldLeafIndex) });
  const refusal = externalJoinRefusal(tree, joiner.identity, oldLeafIndex);
  if (refusal !== undefined) throw refused(refusal);
  const ownKey = joiner.signer.publicKey;
  if (oldLeafIndex !== undefined && !sameBytes(memberAt(tree, oldLeafIndex).signaturePublicKey, ownKey))
    throw refused(`leaf ${oldLeafIndex} holds another signature key`);
  await checkExternalSenders(groupInfo.groupContext.extensions, context.validator);

  // The KeyPackage only carries the joiner's credential, key and capabilities into ts-mls: the
  // commit's UpdatePath replaces its leaf, so it is never published and its HPKE keys are unused.
  const now = unixSeconds(context.now);
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
    { credentialType: 'basic', identity },
    { ...defaultCapabilities(), ciphersuites: [...context.policy.accepted] },
    {
      notBefore: now - BigInt(context.policy.skewSeconds),
      notAfter: now + BigInt(context.policy.skewSeconds),
    },
    [],
    { signKey: joiner.signer.privateKey, publicKey: ownKey },
    cs,
  );
  erase([privatePackage.initPrivateKey, privatePackage.hpkePrivateKey]);
  const r = await joinGroupExternal(
    groupInfo,
    publicPackage,
    privatePackage,
    oldLeafIndex !== undefined,
    cs,
    undefined,
    config,
  );
  const content = r.publicMessage.content;
  const removes =
    content.contentType === 'commit'
      ? content.commit.proposals.flatMap((p) =>
          p.proposalOrRefType === 'proposal' && p.proposal.proposalType === 'remove'
            ? [p.proposal.remove.removed]
            : [],
        )
      : [];
  if (
    removes.length !== (oldLeafIndex === undefined ? 0 : 1) ||
    (removes[0] ?? oldLeafIndex) !== oldLeafIndex
  )
    throw new HeraldError('HERALD_ERR_E2EE_INTERNAL', { detail: 'external commit removes the wrong leaf' });
  return {
    commit: encodeMlsMessage({
      version: 'mls10',
      wireformat: 'mls_public_message',
      publicMessage: r.publicMessage,
    }),
    state: r.newState,
  };
}
