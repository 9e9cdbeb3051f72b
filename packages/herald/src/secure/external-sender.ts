import type { Kysely } from 'kysely';
import type { SecretBox } from '../crypto/secret-box.ts';
import { HeraldError } from '../errors/index.ts';
import type { MlsMemberIdentity } from '../e2ee/mls/credential-validator.ts';
import type {
  MlsCipherSuiteName,
  MlsExternalRemoveRequest,
  MlsSignatureKeyPair,
} from '../e2ee/mls/mls-engine.ts';
import type { Database } from '../storage/schema.ts';
import { decodeBase64, encodeBase64 } from '../tlog/base64.ts';
import type { GroupId, LeafIndex } from './group-id.ts';

/** The Delivery Service's MLS identity: groups list it as their external sender. */
export const EXTERNAL_SENDER_IDENTITY: MlsMemberIdentity = { userId: 'herald', deviceId: 'delivery-service' };

/**
 * Where groups put the Delivery Service among their external senders (RFC 9420 §12.1.8.1). The
 * server cannot read a group's extensions from an encrypted commit, so the contract fixes it:
 * the Delivery Service is the first (and usually only) external sender.
 */
export const EXTERNAL_SENDER_INDEX = 0;

/** The Delivery Service's identity and its signing key pair, the same in every process. */
export interface ExternalSender {
  readonly identity: MlsMemberIdentity;
  readonly signer: MlsSignatureKeyPair;
}

/**
 * Builds an MLS Remove proposal (a PublicMessage) signed by an external sender, without group
 * state (RFC 9420 §6.1: an external sender's FramedContentTBS carries no GroupContext): the MLS
 * engine's `externalRemoveProposal`. The Delivery Service depends on this function type only.
 */
export type ExternalRemoveProposal = (request: MlsExternalRemoveRequest) => Promise<Uint8Array>;

/** Proposes the removal of a leaf from a group at an epoch, as the Delivery Service. */
export type RemovalProposer = (groupId: GroupId, epoch: number, leaf: LeafIndex) => Promise<Uint8Array>;

/** A {@link RemovalProposer} from the engine's function and the Delivery Service's key. */
export function removalProposer(
  sender: ExternalSender,
  build: ExternalRemoveProposal,
  cipherSuite: MlsCipherSuiteName,
): RemovalProposer {
  return (groupId, epoch, leaf) =>
    build({
      groupId: decodeBase64(groupId)!,
      epoch: BigInt(epoch),
      removedLeafIndex: leaf,
      senderIndex: EXTERNAL_SENDER_INDEX,
      signer: sender.signer,
      cipherSuite,
    });
}

const KEY_NAME = 'external-sender';
const AAD = 'secure_server_keys/external-sender';

/**
 * Loads the Delivery Service's signing key pair, creating it on first use. Every process shares
 * it: the first to insert wins and the others read the winner's. The private key is stored
 * sealed with the master key.
 */
export async function loadExternalSender(
  db: Kysely<Database>,
  box: SecretBox,
  generate: () => Promise<MlsSignatureKeyPair>,
  now = Date.now(),
): Promise<ExternalSender> {
  const read = () =>
    db.selectFrom('secure_server_keys').selectAll().where('name', '=', KEY_NAME).executeTakeFirst();
  let row = await read();
  if (!row) {
    const pair = await generate();
    await db
      .insertInto('secure_server_keys')
      .values({
        name: KEY_NAME,
        public_key: Buffer.from(pair.publicKey),
        private_sealed: box.seal(encodeBase64(pair.privateKey), AAD),
        created_at: now,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    row = (await read())!;
  }
  let privateKey: Uint8Array | undefined;
  try {
    privateKey = decodeBase64(box.open(row.private_sealed, AAD));
  } catch {
    privateKey = undefined;
  }
  if (!privateKey)
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', {
      detail: 'the Delivery Service key does not open with this master key',
    });
  return {
    identity: EXTERNAL_SENDER_IDENTITY,
    signer: { publicKey: new Uint8Array(row.public_key), privateKey },
  };
}
