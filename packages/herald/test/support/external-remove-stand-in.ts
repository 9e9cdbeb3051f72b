// A stand-in for the MLS engine's external Remove proposal, which is being added to the engine
// in its own branch: the Delivery Service depends only on the `ExternalRemoveProposal` type, and
// these tests need a real, signed proposal that real members process. Built from ts-mls's own
// external-proposal signing; replace with the engine's function once it lands.
import { encodeMlsMessage, getCiphersuiteFromName, getCiphersuiteImpl, type GroupContext } from 'ts-mls';
import { protectExternalProposalPublic } from 'ts-mls/messageProtectionPublic.js';
import { nodeCryptoProvider } from '../../src/e2ee/mls/crypto/node-crypto-provider.ts';
import type { ExternalRemoveProposal } from '../../src/secure/external-sender.ts';

export const externalRemoveStandIn: ExternalRemoveProposal = async (a) => {
  const cs = await getCiphersuiteImpl(getCiphersuiteFromName(a.cipherSuite), nodeCryptoProvider);
  // RFC 9420 §6.1: an external sender's FramedContentTBS carries no GroupContext; ts-mls reads
  // only the version, group id and epoch from the one it is given.
  const context = { version: 'mls10', groupId: a.groupId, epoch: a.epoch } as GroupContext;
  const { publicMessage } = await protectExternalProposalPublic(
    a.signer.privateKey,
    context,
    new Uint8Array(),
    { proposalType: 'remove', remove: { removed: a.removed } },
    { senderType: 'external', senderIndex: a.senderIndex },
    cs,
  );
  return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_public_message', publicMessage });
};
