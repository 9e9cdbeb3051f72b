// Official MLS test vectors for wire formats and joining: messages, deserialization, welcome and
// passive-client-welcome (test-vectors.md). Codec vectors also go through Herald's strict
// framing (`decodeMlsMessageStrict` + `inspectFraming`), the code the Delivery Service runs.
import assert from 'node:assert/strict';
import {
  acceptAll,
  decodeMlsMessage,
  defaultKeyPackageEqualityConfig,
  defaultKeyRetentionConfig,
  defaultPaddingConfig,
  encodeMlsMessage,
  joinGroup,
  makePskIndex,
  processPrivateMessage,
  processPublicMessage,
  type CiphersuiteImpl,
  type ClientConfig,
  type ClientState,
  type MLSMessage,
} from 'ts-mls';
import { decodeVarLenData, determineLength } from 'ts-mls/codec/variableLength.js';
import { decodeCommit, encodeCommit } from 'ts-mls/commit.js';
import { decodeGroupSecrets, encodeGroupSecrets } from 'ts-mls/groupSecrets.js';
import { verifyGroupInfoConfirmationTag, verifyGroupInfoSignature } from 'ts-mls/groupInfo.js';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { unprotectPrivateMessage } from 'ts-mls/messageProtection.js';
import {
  decodeAdd,
  decodeExternalInit,
  decodeGroupContextExtensions,
  decodePSK,
  decodeReinit,
  decodeRemove,
  decodeUpdate,
  encodeAdd,
  encodeExternalInit,
  encodeGroupContextExtensions,
  encodePSK,
  encodeReinit,
  encodeRemove,
  encodeUpdate,
} from 'ts-mls/proposal.js';
import { decodeRatchetTree, encodeRatchetTree } from 'ts-mls/ratchetTree.js';
import { bytesToBase64 } from 'ts-mls/util/byteArray.js';
import { decryptGroupInfo, decryptGroupSecrets } from 'ts-mls/welcome.js';
import { isHeraldError } from '../../../errors/index.ts';
import { checkIncomingCommit } from '../commit-checks.ts';
import { decodeMlsMessageStrict, inspectFraming } from '../mls-framing.ts';
import { hex, sameBytes, toHex, vectorTests } from './vector-harness.ts';

const suiteOf = (v: { cipher_suite: number }): number => v.cipher_suite;
const need = (cs: CiphersuiteImpl | undefined): CiphersuiteImpl => {
  assert.ok(cs);
  return cs;
};

type Codec = readonly [(b: Uint8Array, o: number) => [unknown, number] | undefined, (v: never) => Uint8Array];
const codec = <T>(
  decode: (b: Uint8Array, o: number) => [T, number] | undefined,
  encode: (v: T) => Uint8Array,
): Codec => [decode, encode as (v: never) => Uint8Array] as const;

const MESSAGE_FIELDS = [
  'mls_welcome',
  'mls_group_info',
  'mls_key_package',
  'public_message_application',
  'public_message_proposal',
  'public_message_commit',
  'private_message',
] as const;

const CODECS: Readonly<Record<string, Codec>> = {
  ...Object.fromEntries(MESSAGE_FIELDS.map((f) => [f, codec(decodeMlsMessage, encodeMlsMessage)])),
  ratchet_tree: codec(decodeRatchetTree, encodeRatchetTree),
  group_secrets: codec(decodeGroupSecrets, encodeGroupSecrets),
  add_proposal: codec(decodeAdd, encodeAdd),
  update_proposal: codec(decodeUpdate, encodeUpdate),
  remove_proposal: codec(decodeRemove, encodeRemove),
  pre_shared_key_proposal: codec(decodePSK, encodePSK),
  re_init_proposal: codec(decodeReinit, encodeReinit),
  external_init_proposal: codec(decodeExternalInit, encodeExternalInit),
  group_context_extensions_proposal: codec(decodeGroupContextExtensions, encodeGroupContextExtensions),
  commit: codec(decodeCommit, encodeCommit),
};

vectorTests<Record<string, string>>('messages.json', async (v) => {
  for (const [field, value] of Object.entries(v)) {
    const c = CODECS[field];
    assert.ok(c, `a codec for ${field}`);
    const bytes = hex(value);
    const decoded = c[0](bytes, 0);
    assert.ok(decoded, `${field} decodes`);
    assert.equal(decoded[1], bytes.length, `${field} decodes completely`);
    assert.equal(toHex(c[1](decoded[0] as never)), value, `${field} re-encodes to the same bytes`);
  }
  // Herald's framing: every MLSMessage passes strict decoding; a PublicMessage carrying
  // application data is refused by policy (RFC 9420 §6.2).
  for (const field of MESSAGE_FIELDS) {
    const message = decodeMlsMessageStrict(hex(v[field]!));
    if (field === 'public_message_application')
      assert.throws(
        () => inspectFraming(message),
        (e: unknown) => isHeraldError(e) && e.code === 'HERALD_ERR_E2EE_PROTOCOL_VIOLATION',
      );
    else assert.ok(inspectFraming(message).wireFormat);
  }
});

vectorTests<{ vlbytes_header: string; length: number }>('deserialization.json', async (v) => {
  const header = hex(v.vlbytes_header);
  const { length, lengthFieldSize } = determineLength(header, 0);
  assert.equal(length, v.length);
  assert.equal(lengthFieldSize, header.length);
  // And a full vector of that length decodes (kept small: the largest is 1 GiB).
  if (v.length <= 1 << 16) {
    const data = new Uint8Array(header.length + v.length);
    data.set(header);
    const d = decodeVarLenData(data, 0);
    assert.ok(d);
    assert.equal(d[0].length, v.length);
  }
});

type Wire<W extends MLSMessage['wireformat']> = Extract<MLSMessage, { wireformat: W }>;
function message<W extends MLSMessage['wireformat']>(h: string, w: W): Wire<W> {
  const m = decodeMlsMessageStrict(hex(h));
  assert.equal(m.wireformat, w);
  return m as Wire<W>;
}

vectorTests<{
  cipher_suite: number;
  init_priv: string;
  signer_pub: string;
  key_package: string;
  welcome: string;
}>(
  'welcome.json',
  async (v, c) => {
    const cs = need(c);
    const { keyPackage } = message(v.key_package, 'mls_key_package');
    const { welcome } = message(v.welcome, 'mls_welcome');
    const ref = await makeKeyPackageRef(keyPackage, cs.hash);
    const secrets = await decryptGroupSecrets(
      await cs.hpke.importPrivateKey(hex(v.init_priv)),
      ref,
      welcome,
      cs.hpke,
    );
    assert.ok(secrets, 'group secrets decrypt');
    const noPsk = new Uint8Array(cs.kdf.size);
    const groupInfo = await decryptGroupInfo(welcome, secrets.joinerSecret, noPsk, cs);
    assert.ok(groupInfo, 'group info decrypts');
    assert.ok(
      await verifyGroupInfoSignature(groupInfo, hex(v.signer_pub), cs.signature),
      'group info signature',
    );
    assert.ok(
      await verifyGroupInfoConfirmationTag(groupInfo, secrets.joinerSecret, noPsk, cs),
      'confirmation tag',
    );
  },
  { suiteOf },
);

interface PassiveClient {
  cipher_suite: number;
  external_psks: { psk_id: string; psk: string }[];
  key_package: string;
  signature_priv: string;
  encryption_priv: string;
  init_priv: string;
  welcome: string;
  ratchet_tree: string | null;
  initial_epoch_authenticator: string;
  epochs: { proposals: string[]; commit: string; epoch_authenticator: string }[];
}

// The vectors' credentials are arbitrary, so this one run trusts them; Herald's validator is
// exercised by the engine tests. Lifetimes are not re-checked on receipt, as in the engine.
const vectorConfig: ClientConfig = {
  keyRetentionConfig: defaultKeyRetentionConfig,
  lifetimeConfig: { maximumTotalLifetime: 2n ** 63n, validateLifetimeOnReceive: false },
  keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
  paddingConfig: defaultPaddingConfig,
  authService: { validateCredential: async () => true },
};

/** Herald's incoming-commit checks, run on a vector commit as the engine would. */
async function heraldChecks(state: ClientState, m: MLSMessage, cs: CiphersuiteImpl): Promise<void> {
  if (m.wireformat === 'mls_public_message' && m.publicMessage.content.contentType === 'commit')
    checkIncomingCommit(state, m.publicMessage.content.commit);
  if (m.wireformat === 'mls_private_message' && m.privateMessage.contentType === 'commit') {
    const { content } = await unprotectPrivateMessage(
      state.keySchedule.senderDataSecret,
      m.privateMessage,
      state.secretTree,
      state.ratchetTree,
      state.groupContext,
      state.clientConfig.keyRetentionConfig,
      cs,
    );
    if (content.content.contentType === 'commit') checkIncomingCommit(state, content.content.commit);
  }
}

vectorTests<PassiveClient>(
  'passive-client-welcome.json',
  async (v, c) => {
    const cs = need(c);
    const { keyPackage } = message(v.key_package, 'mls_key_package');
    // The private keys belong to the KeyPackage.
    const probe = new Uint8Array([1, 2, 3]);
    const sig = await cs.signature.sign(hex(v.signature_priv), probe);
    assert.ok(
      await cs.signature.verify(keyPackage.leafNode.signaturePublicKey, probe, sig),
      'signature_priv',
    );
    for (const [priv, pub] of [
      [v.encryption_priv, keyPackage.leafNode.hpkePublicKey],
      [v.init_priv, keyPackage.initKey],
    ] as const) {
      const sealed = await cs.hpke.seal(await cs.hpke.importPublicKey(pub), probe, new Uint8Array());
      sameBytes(
        await cs.hpke.open(
          await cs.hpke.importPrivateKey(hex(priv)),
          sealed.enc,
          sealed.ct,
          new Uint8Array(),
        ),
        probe,
        'HPKE key pair',
      );
    }
    const psks = Object.fromEntries(v.external_psks.map((p) => [bytesToBase64(hex(p.psk_id)), hex(p.psk)]));
    const tree = v.ratchet_tree === null ? undefined : decodeRatchetTree(hex(v.ratchet_tree), 0)?.[0];
    let state = await joinGroup(
      message(v.welcome, 'mls_welcome').welcome,
      keyPackage,
      {
        initPrivateKey: hex(v.init_priv),
        hpkePrivateKey: hex(v.encryption_priv),
        signaturePrivateKey: hex(v.signature_priv),
      },
      makePskIndex(undefined, psks),
      cs,
      tree,
      undefined,
      vectorConfig,
    );
    sameBytes(
      state.keySchedule.epochAuthenticator,
      v.initial_epoch_authenticator,
      'initial epoch authenticator',
    );
    for (const [i, epoch] of v.epochs.entries()) {
      for (const bytes of [...epoch.proposals, epoch.commit]) {
        const m = decodeMlsMessageStrict(hex(bytes));
        await heraldChecks(state, m, cs);
        const index = makePskIndex(state, psks);
        if (m.wireformat === 'mls_public_message')
          state = (await processPublicMessage(state, m.publicMessage, index, cs, acceptAll)).newState;
        else if (m.wireformat === 'mls_private_message')
          state = (await processPrivateMessage(state, m.privateMessage, index, cs, acceptAll)).newState;
        else throw new Error(`unexpected ${m.wireformat}`);
      }
      sameBytes(state.keySchedule.epochAuthenticator, epoch.epoch_authenticator, `epoch authenticator ${i}`);
    }
  },
  { suiteOf },
);
