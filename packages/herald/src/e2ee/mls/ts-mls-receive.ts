import {
  acceptAll,
  makePskIndex,
  processPrivateMessage,
  processPublicMessage,
  type CiphersuiteImpl,
  type ClientState,
  type PrivateMessage,
  type PublicMessage,
  type RatchetTree,
} from 'ts-mls';
import { unprotectPrivateMessage } from 'ts-mls/messageProtection.js';
import { ValidationError } from 'ts-mls/mlsError.js';
import { decryptSenderData } from 'ts-mls/privateMessage.js';
import { leafToNodeIndex, toLeafIndex } from 'ts-mls/treemath.js';
import { HeraldError } from '../../errors/index.ts';
import { checkIncomingCommit } from './commit-checks.ts';
import type { CredentialValidator } from './credential-validator.ts';
import { checkExternalCommit, checkExternalProposal } from './external-checks.ts';
import type { MlsGroupState, MlsProcessed } from './mls-engine.ts';
import { toHeraldError } from './mls-errors.ts';
import { checkContentProposals, proposalTypeName } from './mls-framing.ts';
import { memberAt } from './ts-mls-tree.ts';

/**
 * Erases secrets ts-mls reports as consumed. (ts-mls's own `zeroOutUint8Array` first fills
 * each array with random bytes, a WebCrypto call per array; a plain fill is enough for typed
 * arrays, which no engine elides.)
 */
export function erase(secrets: readonly Uint8Array[]): void {
  for (const s of secrets) s.fill(0);
}

type Wrap = (client: ClientState) => MlsGroupState;

/** What a member keeps per epoch to read that epoch's messages. */
interface ReceiverData {
  readonly senderDataSecret: Uint8Array;
  readonly secretTree: ClientState['secretTree'];
  readonly ratchetTree: RatchetTree;
  readonly groupContext: ClientState['groupContext'];
}

const epochError = (
  code: 'HERALD_ERR_E2EE_STALE_EPOCH' | 'HERALD_ERR_E2EE_FUTURE_EPOCH',
  epoch: bigint,
  current: bigint,
) => new HeraldError(code, { epoch: epoch.toString(), current: current.toString() });

function commitResult(next: ClientState, wrap: Wrap): MlsProcessed {
  return {
    kind: 'commit',
    state: wrap(next),
    epoch: next.groupContext.epoch,
    removedSelf: next.groupActiveState.kind === 'removedFromGroup',
  };
}

/**
 * Tells a replay apart from other failures without reading error text: when the sender data
 * decrypts and names a generation whose key this member already used and deleted, the message
 * was seen before (or is older than the retention window).
 */
async function classifyUnprotectFailure(
  err: unknown,
  pm: PrivateMessage,
  receiver: ReceiverData,
  cs: CiphersuiteImpl,
): Promise<HeraldError> {
  if (err instanceof ValidationError) {
    const senderData = await decryptSenderData(pm, receiver.senderDataSecret, cs).catch(() => undefined);
    const node =
      senderData === undefined
        ? undefined
        : receiver.secretTree[leafToNodeIndex(toLeafIndex(senderData.leafIndex))];
    const ratchet = pm.contentType === 'application' ? node?.application : node?.handshake;
    if (
      senderData !== undefined &&
      ratchet !== undefined &&
      senderData.generation < ratchet.generation &&
      ratchet.unusedGenerations[senderData.generation] === undefined
    )
      return new HeraldError('HERALD_ERR_E2EE_REPLAYED_MESSAGE', {}, { cause: err });
  }
  return toHeraldError(err);
}

/**
 * Processes a PrivateMessage: application data of this or a retained earlier epoch (with its
 * sender), or a proposal or commit of the current epoch after Herald's commit checks.
 */
export async function receivePrivate(
  client: ClientState,
  pm: PrivateMessage,
  cs: CiphersuiteImpl,
  wrap: Wrap,
): Promise<MlsProcessed> {
  const current = client.groupContext.epoch;
  if (pm.epoch > current) throw epochError('HERALD_ERR_E2EE_FUTURE_EPOCH', pm.epoch, current);
  let receiver: ReceiverData | undefined;
  if (pm.epoch === current)
    receiver = {
      senderDataSecret: client.keySchedule.senderDataSecret,
      secretTree: client.secretTree,
      ratchetTree: client.ratchetTree,
      groupContext: client.groupContext,
    };
  else if (pm.contentType === 'application') receiver = client.historicalReceiverData.get(pm.epoch);
  // RFC 9420 §14: handshake messages of an earlier epoch are never processed.
  if (receiver === undefined) throw epochError('HERALD_ERR_E2EE_STALE_EPOCH', pm.epoch, current);

  let unprotected: Awaited<ReturnType<typeof unprotectPrivateMessage>>;
  try {
    unprotected = await unprotectPrivateMessage(
      receiver.senderDataSecret,
      pm,
      receiver.secretTree,
      receiver.ratchetTree,
      receiver.groupContext,
      client.clientConfig.keyRetentionConfig,
      cs,
    );
  } catch (err) {
    throw await classifyUnprotectFailure(err, pm, receiver, cs);
  }
  const { content } = unprotected.content;
  checkContentProposals(content);

  if (content.contentType === 'application') {
    if (content.sender.senderType !== 'member')
      throw new HeraldError('HERALD_ERR_E2EE_PROTOCOL_VIOLATION', {
        detail: 'application data from a non-member',
      });
    const sender = memberAt(receiver.ratchetTree, content.sender.leafIndex);
    const next: ClientState =
      pm.epoch === current
        ? { ...client, secretTree: unprotected.tree }
        : {
            ...client,
            historicalReceiverData: new Map(client.historicalReceiverData).set(pm.epoch, {
              ...client.historicalReceiverData.get(pm.epoch)!,
              secretTree: unprotected.tree,
            }),
          };
    erase(unprotected.consumed);
    return {
      kind: 'application',
      state: wrap(next),
      plaintext: content.applicationData,
      authenticatedData: content.authenticatedData,
      sender,
      epoch: pm.epoch,
    };
  }

  // A handshake message of the current epoch. Herald's checks run on the decrypted commit; then
  // ts-mls applies it from the unchanged state (decrypting again: the first result and its
  // consumed secrets are dropped, because the unchanged state still needs them).
  if (content.contentType === 'commit') {
    if (content.sender.senderType === 'member' && content.sender.leafIndex === client.privatePath.leafIndex)
      throw new HeraldError('HERALD_ERR_E2EE_OWN_COMMIT');
    checkIncomingCommit(client, content.commit);
  }
  const r = await processPrivateMessage(client, pm, makePskIndex(client, {}), cs, acceptAll);
  if (r.kind !== 'newState')
    throw new HeraldError('HERALD_ERR_E2EE_INTERNAL', { detail: 'unexpected content' });
  erase(r.consumed);
  return content.contentType === 'commit'
    ? commitResult(r.newState, wrap)
    : { kind: 'proposal', state: wrap(r.newState), proposalType: proposalTypeName(content.proposal) };
}

/**
 * Processes a PublicMessage (a proposal or commit of the current epoch): a member's, the
 * Delivery Service's Remove as external sender, or an external commit of a joining device.
 */
export async function receivePublic(
  client: ClientState,
  pm: PublicMessage,
  cs: CiphersuiteImpl,
  wrap: Wrap,
  validator: CredentialValidator,
): Promise<MlsProcessed> {
  const { content } = pm;
  const current = client.groupContext.epoch;
  if (content.epoch < current) throw epochError('HERALD_ERR_E2EE_STALE_EPOCH', content.epoch, current);
  if (content.epoch > current) throw epochError('HERALD_ERR_E2EE_FUTURE_EPOCH', content.epoch, current);
  // Members join only by a member's Add and Welcome, or by external commit (which the joiner
  // signs as a new leaf); an Add proposed by the joiner itself (RFC 9420 §12.1.8) would let any
  // enrolled device slip into the next commit of any group it can send to.
  if (content.sender.senderType === 'new_member_proposal')
    throw new HeraldError('HERALD_ERR_E2EE_EXTERNAL_PROPOSAL_REFUSED', {
      reason: 'Herald adds members by Welcome only',
    });
  if (content.sender.senderType === 'external') await checkExternalProposal(client, pm, cs, validator);
  if (content.contentType === 'commit') {
    if (content.sender.senderType === 'member' && content.sender.leafIndex === client.privatePath.leafIndex)
      throw new HeraldError('HERALD_ERR_E2EE_OWN_COMMIT');
    if (content.sender.senderType === 'new_member_commit') checkExternalCommit(client, content.commit);
    checkIncomingCommit(client, content.commit);
  }
  const r = await processPublicMessage(client, pm, makePskIndex(client, {}), cs, acceptAll);
  erase(r.consumed);
  return content.contentType === 'proposal'
    ? { kind: 'proposal', state: wrap(r.newState), proposalType: proposalTypeName(content.proposal) }
    : commitResult(r.newState, wrap);
}
