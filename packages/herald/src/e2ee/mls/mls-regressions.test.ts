// Regression tests for the bug classes other MLS implementations shipped (issue 6): commits that
// should carry an UpdatePath but do not, removed members that keep reading, by-reference Update
// proposals from leaf 0, and reused HPKE keys in UpdatePaths. Each forged message below is
// built with ts-mls's own functions and is valid in every respect except the one under test.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  acceptAll,
  createCommit,
  createProposal,
  decodeMlsMessage,
  encodeMlsMessage,
  getCiphersuiteFromName,
  makePskIndex,
  processPrivateMessage,
  processPublicMessage,
  type CiphersuiteImpl,
  type ClientState,
  type Commit,
  type CryptoProvider,
  type MLSMessage,
  type Proposal,
  type ProposalOrRef,
  type PublicMessage,
} from 'ts-mls';
import { applyProposals, nextEpochContext } from 'ts-mls/clientState.js';
import { encode } from 'ts-mls/codec/tlsEncoder.js';
import { decryptWithLabel } from 'ts-mls/crypto/hpke.js';
import { signWithLabel } from 'ts-mls/crypto/signature.js';
import { createConfirmationTag, createContentCommitSignature } from 'ts-mls/framedContent.js';
import { encodeGroupContext } from 'ts-mls/groupContext.js';
import { initializeEpoch } from 'ts-mls/keySchedule.js';
import { leafNodeTBSEncoder, type LeafNodeUpdate } from 'ts-mls/leafNode.js';
import { protectPublicMessage } from 'ts-mls/messageProtectionPublic.js';
import { treeHashRoot } from 'ts-mls/treeHash.js';
import { toLeafIndex } from 'ts-mls/treemath.js';
import { base64ToBytes, bytesToBase64 } from 'ts-mls/util/byteArray.js';
import { commitRequiresPath, commitReusesHpkeKey } from './commit-checks.ts';
import { nodeCryptoProvider } from './crypto/node-crypto-provider.ts';
import type { MlsEngine, MlsGroupState, MlsProcessed } from './mls-engine.ts';
import { DELIVERY_SERVICE, MlsTestWorld, rejectsWith, utf8, type TestDevice } from './mls-test-kit.ts';
import { decodeKeyPackageSecret, TsMlsGroupState } from './ts-mls-group-state.ts';

const SUITE = getCiphersuiteFromName('MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519');
const impl = (): Promise<CiphersuiteImpl> => nodeCryptoProvider.getCiphersuiteImpl(SUITE);
const raw = (s: MlsGroupState): ClientState => TsMlsGroupState.unwrap(s);

function decode(bytes: Uint8Array): MLSMessage {
  const d = decodeMlsMessage(bytes, 0);
  assert.ok(d);
  return d[0];
}

function publicMessage(bytes: Uint8Array): PublicMessage {
  const m = decode(bytes);
  assert.equal(m.wireformat, 'mls_public_message');
  return (m as Extract<MLSMessage, { wireformat: 'mls_public_message' }>).publicMessage;
}

function kindOf<K extends MlsProcessed['kind']>(
  r: MlsProcessed,
  kind: K,
): Extract<MlsProcessed, { kind: K }> {
  assert.equal(r.kind, kind);
  return r as Extract<MlsProcessed, { kind: K }>;
}

interface Group {
  world: MlsTestWorld;
  engine: MlsEngine;
  devices: TestDevice[];
  states: MlsGroupState[];
  secrets: Uint8Array[];
  /** The Delivery Service, the group's external sender 0. */
  ds: TestDevice;
}

/** A group of `n` members built by the first one; handshake messages public unless told. */
async function group(n: number, handshakeWireFormat: 'public' | 'private' = 'public'): Promise<Group> {
  const world = new MlsTestWorld(nodeCryptoProvider, { handshakeWireFormat });
  const engine = world.engine;
  const ds = await world.enroll(DELIVERY_SERVICE.userId, DELIVERY_SERVICE.deviceId);
  const devices = await Promise.all(
    Array.from({ length: n }, (_, i) => world.enroll(`usr_${i}`, `dev_${i}`)),
  );
  const bundles = await Promise.all(devices.map((d) => d.keyPackage()));
  let first = await engine.createGroup(bundles[0]!, {
    externalSenders: [{ identity: ds.identity, signaturePublicKey: ds.signer.publicKey }],
  });
  const out = await engine.addMembers(
    first,
    bundles.slice(1).map((b) => b.keyPackage),
  );
  first = engine.mergePendingCommit(out.pending);
  const states = [first];
  for (const b of bundles.slice(1)) states.push(await engine.joinFromWelcome(out.welcome!, b));
  return { world, engine, devices, states, secrets: bundles.map((b) => b.secret), ds };
}

/** Feeds a handshake message to every member but `from`; returns the new states. */
async function deliver(
  g: Group,
  from: number,
  message: Uint8Array,
  skip: readonly number[] = [],
): Promise<void> {
  for (let i = 0; i < g.states.length; i++) {
    if (i === from || skip.includes(i)) continue;
    g.states[i] = (await g.engine.processMessage(g.states[i]!, message)).state;
  }
}

/**
 * A commit by `state`'s owner covering `proposals` with no UpdatePath, otherwise valid: signed,
 * confirmation tag from the real next key schedule (commit secret zero, RFC 9420 §8), membership
 * tag — what an implementation that "forgets" the path would send.
 */
async function forgePathlessCommit(state: ClientState, proposals: ProposalOrRef[]): Promise<Uint8Array> {
  const cs = await impl();
  const leaf = toLeafIndex(state.privatePath.leafIndex);
  const applied = await applyProposals(state, proposals, leaf, makePskIndex(state, {}), true, cs);
  const extensions =
    applied.additionalResult.kind === 'memberCommit' && applied.additionalResult.extensions.length > 0
      ? applied.additionalResult.extensions
      : state.groupContext.extensions;
  const { signature, framedContent } = await createContentCommitSignature(
    state.groupContext,
    'mls_public_message',
    { proposals, path: undefined },
    { senderType: 'member', leafIndex: leaf },
    new Uint8Array(),
    state.signaturePrivateKey,
    cs.signature,
  );
  const next = await nextEpochContext(
    { ...state.groupContext, extensions },
    'mls_public_message',
    framedContent,
    signature,
    await treeHashRoot(applied.tree, cs.hash),
    state.confirmationTag,
    cs.hash,
  );
  const epoch = await initializeEpoch(
    state.keySchedule.initSecret,
    new Uint8Array(cs.kdf.size),
    next,
    applied.pskSecret,
    cs.kdf,
  );
  const confirmationTag = await createConfirmationTag(
    epoch.keySchedule.confirmationKey,
    next.confirmedTranscriptHash,
    cs.hash,
  );
  const publicMessage = await protectPublicMessage(
    state.keySchedule.membershipKey,
    state.groupContext,
    {
      wireformat: 'mls_public_message',
      content: framedContent,
      auth: { contentType: 'commit', signature, confirmationTag },
    },
    cs,
  );
  return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_public_message', publicMessage });
}

/** An Update proposal (RFC 9420 §12.1.2) from `state`'s owner with a fresh encryption key. */
async function updateProposal(state: ClientState): Promise<{ message: Uint8Array; newKey: Uint8Array }> {
  const cs = await impl();
  const leafIndex = state.privatePath.leafIndex;
  const node = state.ratchetTree[leafIndex * 2];
  assert.equal(node?.nodeType, 'leaf');
  const old = (node as Extract<typeof node, { nodeType: 'leaf' }>).leaf;
  const newKey = await cs.hpke.exportPublicKey((await cs.hpke.generateKeyPair()).publicKey);
  const tbs = {
    hpkePublicKey: newKey,
    signaturePublicKey: old.signaturePublicKey,
    credential: old.credential,
    capabilities: old.capabilities,
    leafNodeSource: 'update' as const,
    extensions: [],
    groupId: state.groupContext.groupId,
    leafIndex,
  };
  const signature = await signWithLabel(
    state.signaturePrivateKey,
    'LeafNodeTBS',
    encode(leafNodeTBSEncoder)(tbs),
    cs.signature,
  );
  const leafNode: LeafNodeUpdate = {
    hpkePublicKey: newKey,
    signaturePublicKey: old.signaturePublicKey,
    credential: old.credential,
    capabilities: old.capabilities,
    leafNodeSource: 'update',
    extensions: [],
    signature,
  };
  const r = await createProposal(state, true, { proposalType: 'update', update: { leafNode } }, cs);
  return { message: encodeMlsMessage(r.message), newKey };
}

void describe('the UpdatePath rule (RFC 9420 §12.4)', () => {
  void it('names Update, Remove, GroupContextExtensions, ExternalInit and empty commits as needing a path', () => {
    const remove: Proposal = { proposalType: 'remove', remove: { removed: 1 } };
    const gce: Proposal = {
      proposalType: 'group_context_extensions',
      groupContextExtensions: { extensions: [] },
    };
    const psk: Proposal = {
      proposalType: 'psk',
      psk: {
        preSharedKeyId: { psktype: 'external', pskId: new Uint8Array(1), pskNonce: new Uint8Array(32) },
      },
    };
    assert.equal(commitRequiresPath([]), true);
    assert.equal(commitRequiresPath([remove]), true);
    assert.equal(commitRequiresPath([gce]), true);
    assert.equal(
      commitRequiresPath([{ proposalType: 'external_init', externalInit: { kemOutput: new Uint8Array() } }]),
      true,
    );
    assert.equal(commitRequiresPath([psk]), false);
    assert.equal(commitRequiresPath([{ proposalType: 0xf0f0, proposalData: new Uint8Array() }]), true);
  });

  void it('refuses a Remove commit without an UpdatePath', async () => {
    const g = await group(3);
    const forged = await forgePathlessCommit(raw(g.states[0]!), [
      { proposalOrRefType: 'proposal', proposal: { proposalType: 'remove', remove: { removed: 2 } } },
    ]);
    assert.deepEqual(g.engine.inspectMessage(forged).commit, { proposals: ['remove'], hasPath: false });
    await rejectsWith(g.engine.processMessage(g.states[1]!, forged), 'HERALD_ERR_E2EE_COMMIT_PATH_REQUIRED');
    // The removed member must not be able to follow either.
    await rejectsWith(g.engine.processMessage(g.states[2]!, forged), 'HERALD_ERR_E2EE_COMMIT_PATH_REQUIRED');
    // ts-mls 1.6.4 refuses it too (2.0.0-rc.10 does not: the reason it is not used).
    const cs = await impl();
    await assert.rejects(
      processPublicMessage(raw(g.states[1]!), publicMessage(forged), makePskIndex(undefined, {}), cs),
    );
  });

  void it('refuses an Update commit without an UpdatePath', async () => {
    const g = await group(3);
    const { message } = await updateProposal(raw(g.states[1]!));
    g.states[0] = kindOf(await g.engine.processMessage(g.states[0]!, message), 'proposal').state;
    g.states[2] = kindOf(await g.engine.processMessage(g.states[2]!, message), 'proposal').state;
    const ref = Object.keys(raw(g.states[0]!).unappliedProposals)[0]!;
    const forged = await forgePathlessCommit(raw(g.states[0]!), [
      { proposalOrRefType: 'reference', reference: base64ToBytes(ref) },
    ]);
    await rejectsWith(g.engine.processMessage(g.states[2]!, forged), 'HERALD_ERR_E2EE_COMMIT_PATH_REQUIRED');
  });

  void it('refuses a GroupContextExtensions commit without an UpdatePath, which ts-mls itself accepts', async () => {
    const g = await group(3);
    const cs = await impl();
    const gce = {
      proposalType: 'group_context_extensions' as const,
      groupContextExtensions: {
        extensions: [{ extensionType: 'application_id' as const, extensionData: utf8('herald') }],
      },
    };
    // ts-mls 1.6.4 builds this commit without a path …
    const made = await createCommit(
      { state: raw(g.states[0]!), cipherSuite: cs },
      { extraProposals: [gce], wireAsPublicMessage: true },
    );
    const bytes = encodeMlsMessage(made.commit);
    assert.deepEqual(g.engine.inspectMessage(bytes).commit, {
      proposals: ['group_context_extensions'],
      hasPath: false,
    });
    // … and applies it without complaint …
    const accepted = await processPublicMessage(
      raw(g.states[1]!),
      publicMessage(bytes),
      makePskIndex(undefined, {}),
      cs,
    );
    assert.equal(accepted.newState.groupContext.epoch, 2n);
    // … Herald refuses it, as a private message too.
    await rejectsWith(g.engine.processMessage(g.states[1]!, bytes), 'HERALD_ERR_E2EE_COMMIT_PATH_REQUIRED');
    const priv = await createCommit({ state: raw(g.states[0]!), cipherSuite: cs }, { extraProposals: [gce] });
    await rejectsWith(
      g.engine.processMessage(g.states[2]!, encodeMlsMessage(priv.commit)),
      'HERALD_ERR_E2EE_COMMIT_PATH_REQUIRED',
    );
  });

  void it('will not send a GroupContextExtensions commit that ts-mls would build without a path', async () => {
    const g = await group(2);
    const cs = await impl();
    const proposed = await createProposal(
      raw(g.states[1]!),
      true,
      { proposalType: 'group_context_extensions', groupContextExtensions: { extensions: [] } },
      cs,
    );
    const a = kindOf(
      await g.engine.processMessage(g.states[0]!, encodeMlsMessage(proposed.message)),
      'proposal',
    );
    assert.equal(a.proposalType, 'group_context_extensions');
    await rejectsWith(g.engine.commitPending(a.state), 'HERALD_ERR_E2EE_COMMIT_PATH_REQUIRED');
  });
});

/**
 * How many of `commit`'s UpdatePath ciphertexts `keys` open. The path secrets are HPKE-encrypted
 * under the GroupContext of the new epoch with the old transcript hash (RFC 9420 §7.6), which
 * the committer's states before and after the commit give.
 */
async function pathSecretsOpened(
  commit: Commit,
  committerBefore: ClientState,
  committerAfter: ClientState,
  keys: readonly Uint8Array[],
): Promise<{ ciphertexts: number; opened: number }> {
  const cs = await impl();
  const context = encodeGroupContext({
    ...committerAfter.groupContext,
    confirmedTranscriptHash: committerBefore.groupContext.confirmedTranscriptHash,
  });
  const ciphertexts = commit.path?.nodes.flatMap((n) => n.encryptedPathSecret) ?? [];
  let opened = 0;
  for (const ct of ciphertexts)
    for (const key of keys)
      if (
        await decryptWithLabel(
          await cs.hpke.importPrivateKey(key),
          'UpdatePathNode',
          context,
          ct.kemOutput,
          ct.ciphertext,
          cs.hpke,
        ).then(
          () => true,
          () => false,
        )
      )
        opened++;
  return { ciphertexts: ciphertexts.length, opened };
}

void describe('removal', () => {
  for (const how of ['by a member', "by the server's Remove proposal"] as const)
    void it(`leaves a member removed ${how} no key that opens the next epoch`, async () => {
      const g = await group(4);
      const cs = await impl();
      // Bob (leaf 1) commits once so he holds private keys for parent nodes on his path too.
      const bobCommit = await g.engine.commitPending(g.states[1]!);
      await deliver(g, 1, bobCommit.commit);
      g.states[1] = g.engine.mergePendingCommit(bobCommit.pending);
      if (how !== 'by a member') {
        const proposal = await g.engine.externalRemoveProposal({
          groupId: g.states[0]!.groupId,
          epoch: g.states[0]!.epoch,
          removedLeafIndex: 1,
          senderIndex: 0,
          signer: g.ds.signer,
        });
        for (let i = 0; i < 4; i++)
          g.states[i] = kindOf(await g.engine.processMessage(g.states[i]!, proposal), 'proposal').state;
      }
      const bobBefore = raw(g.states[1]!);
      const bobKeys = Object.values(bobBefore.privatePath.privateKeys);
      assert.ok(bobKeys.length >= 2, 'bob holds his leaf key and parent keys');

      const aliceBefore = raw(g.states[0]!);
      const removal =
        how === 'by a member'
          ? await g.engine.removeMembers(g.states[0]!, [1])
          : await g.engine.commitPending(g.states[0]!);
      g.states[0] = g.engine.mergePendingCommit(removal.pending);
      const { commit } = publicMessage(removal.commit).content as Extract<
        PublicMessage['content'],
        { contentType: 'commit' }
      >;
      assert.ok(commit.path, 'a Remove commit carries an UpdatePath');
      assert.equal(commit.proposals[0]?.proposalOrRefType, how === 'by a member' ? 'proposal' : 'reference');

      // Bob's keys open none of the path secrets; Carol's open hers (control).
      const bob = await pathSecretsOpened(commit, aliceBefore, raw(g.states[0]!), bobKeys);
      assert.ok(bob.ciphertexts > 0);
      assert.equal(bob.opened, 0);
      const carolKeys = Object.values(raw(g.states[2]!).privatePath.privateKeys);
      const carol = await pathSecretsOpened(commit, aliceBefore, raw(g.states[0]!), carolKeys);
      assert.ok(carol.opened >= 1, 'control: a remaining member opens its path secret with the same context');

      // Following the protocol, Bob learns he was removed and can do nothing more.
      const removed = kindOf(await g.engine.processMessage(g.states[1]!, removal.commit), 'commit');
      assert.equal(removed.removedSelf, true);
      const next = await g.engine.encrypt(g.states[0]!, utf8('after bob left'));
      await rejectsWith(g.engine.processMessage(removed.state, next.message), 'HERALD_ERR_E2EE_NOT_A_MEMBER');
      // Ignoring that, his last full state cannot read the next epoch either.
      await assert.rejects(
        processPrivateMessage(
          bobBefore,
          (decode(next.message) as Extract<MLSMessage, { wireformat: 'mls_private_message' }>).privateMessage,
          makePskIndex(undefined, {}),
          cs,
        ),
      );
      // The others carry on.
      await deliver(g, 0, removal.commit, [1]);
      const got = kindOf(await g.engine.processMessage(g.states[2]!, next.message), 'application');
      assert.equal(new TextDecoder().decode(got.plaintext), 'after bob left');
    });

  void it('handles a by-reference Update proposal from leaf 0', async () => {
    const g = await group(3);
    const { message, newKey } = await updateProposal(raw(g.states[0]!));
    for (const i of [1, 2])
      g.states[i] = kindOf(await g.engine.processMessage(g.states[i]!, message), 'proposal').state;
    const out = await g.engine.commitPending(g.states[1]!);
    assert.deepEqual(g.engine.inspectMessage(out.commit).commit, { proposals: ['reference'], hasPath: true });
    g.states[1] = g.engine.mergePendingCommit(out.pending);
    g.states[2] = kindOf(await g.engine.processMessage(g.states[2]!, out.commit), 'commit').state;
    assert.deepEqual(g.engine.epochAuthenticator(g.states[2]!), g.engine.epochAuthenticator(g.states[1]!));
    const leaf0 = raw(g.states[2]!).ratchetTree[0];
    assert.equal(leaf0?.nodeType, 'leaf');
    assert.deepEqual((leaf0 as Extract<typeof leaf0, { nodeType: 'leaf' }>).leaf.hpkePublicKey, newKey);
  });
});

void describe('fresh HPKE keys in commits', () => {
  void it('never reuses a key across the UpdatePaths of successive commits', async () => {
    const g = await group(5);
    const seen = new Set<string>();
    const addTree = (s: MlsGroupState): void => {
      for (const node of raw(s).ratchetTree)
        if (node !== undefined)
          seen.add(
            bytesToBase64(node.nodeType === 'leaf' ? node.leaf.hpkePublicKey : node.parent.hpkePublicKey),
          );
    };
    addTree(g.states[0]!);
    let pathKeys = 0;
    for (let round = 0; round < 8; round++) {
      const who = round % 5;
      const out = await g.engine.commitPending(g.states[who]!);
      const content = publicMessage(out.commit).content as Extract<
        PublicMessage['content'],
        { contentType: 'commit' }
      >;
      const path = content.commit.path;
      assert.ok(path);
      for (const key of [path.leafNode.hpkePublicKey, ...path.nodes.map((n) => n.hpkePublicKey)]) {
        const id = bytesToBase64(key);
        assert.equal(seen.has(id), false, 'an UpdatePath key repeats one already used');
        seen.add(id);
        pathKeys++;
      }
      await deliver(g, who, out.commit);
      g.states[who] = g.engine.mergePendingCommit(out.pending);
      addTree(g.states[who]!);
    }
    assert.ok(pathKeys >= 8 * 3);
  });

  void it('refuses an UpdatePath that reuses a member leaf key, which ts-mls itself accepts', async () => {
    const g = await group(4);
    const cs = await impl();
    // Dave (leaf 3) has not committed: his leaf still holds his KeyPackage's encryption key.
    const dave = decodeKeyPackageSecret(g.secrets[3]!);
    const daveKey = dave.keyPackage.leafNode.hpkePublicKey;
    const davePair = {
      privateKey: await cs.hpke.importPrivateKey(dave.privateKeys.hpkePrivateKey),
      publicKey: await cs.hpke.importPublicKey(daveKey),
    };
    // A committer whose key derivation hands out Dave's key for the first parent node.
    let calls = 0;
    const evil: CryptoProvider = {
      async getCiphersuiteImpl() {
        return {
          ...cs,
          hpke: {
            ...cs.hpke,
            deriveKeyPair: async (ikm: Uint8Array) => (++calls === 2 ? davePair : cs.hpke.deriveKeyPair(ikm)),
          },
        };
      },
    };
    const evilEngine = g.world.engineWith(evil, { handshakeWireFormat: 'public' });
    const out = await evilEngine.commitPending(g.states[1]!);
    const content = publicMessage(out.commit).content as Extract<
      PublicMessage['content'],
      { contentType: 'commit' }
    >;
    assert.ok(
      content.commit.path?.nodes.some((n) => bytesToBase64(n.hpkePublicKey) === bytesToBase64(daveKey)),
    );
    assert.equal(commitReusesHpkeKey(raw(g.states[2]!).ratchetTree, [], content.commit), true);

    const accepted = await processPublicMessage(
      raw(g.states[2]!),
      publicMessage(out.commit),
      makePskIndex(undefined, {}),
      cs,
      acceptAll,
    );
    assert.equal(accepted.newState.groupContext.epoch, 2n, 'ts-mls 1.6.4 applies the commit');
    await rejectsWith(g.engine.processMessage(g.states[2]!, out.commit), 'HERALD_ERR_E2EE_KEY_REUSED');
  });

  void it('refuses an Add whose KeyPackage reuses a member encryption key, on both sides', async () => {
    const g = await group(2);
    const cs = await impl();
    const bob = decodeKeyPackageSecret(g.secrets[1]!);
    const bobPair = {
      privateKey: await cs.hpke.importPrivateKey(bob.privateKeys.hpkePrivateKey),
      publicKey: await cs.hpke.importPublicKey(bob.keyPackage.leafNode.hpkePublicKey),
    };
    // A KeyPackage generator whose second key pair (the leaf encryption key) is Bob's.
    let calls = 0;
    const evil: CryptoProvider = {
      async getCiphersuiteImpl() {
        return {
          ...cs,
          hpke: {
            ...cs.hpke,
            generateKeyPair: async () => (++calls === 2 ? bobPair : cs.hpke.generateKeyPair()),
          },
        };
      },
    };
    const mallory = await g.world.enroll('usr_m', 'dev_m', g.world.engineWith(evil));
    const kp = await mallory.keyPackage();
    await rejectsWith(g.engine.addMembers(g.states[0]!, [kp.keyPackage]), 'HERALD_ERR_E2EE_KEY_REUSED');
    const made = await createCommit(
      { state: raw(g.states[0]!), cipherSuite: cs },
      {
        extraProposals: [
          { proposalType: 'add', add: { keyPackage: decodeKeyPackageSecret(kp.secret).keyPackage } },
        ],
        wireAsPublicMessage: true,
      },
    );
    await rejectsWith(
      g.engine.processMessage(g.states[1]!, encodeMlsMessage(made.commit)),
      'HERALD_ERR_E2EE_KEY_REUSED',
    );
  });
});

void describe('proposal decoding', () => {
  void it('refuses a truncated Remove that ts-mls 1.6.4 reads as a complete custom proposal', async () => {
    const g = await group(2);
    const removal = await g.engine.externalRemoveProposal({
      groupId: g.states[0]!.groupId,
      epoch: g.states[0]!.epoch,
      removedLeafIndex: 1,
      senderIndex: 0,
      signer: g.ds.signer,
    });
    // ts-mls's proposal decoder falls back to a custom proposal when a Remove's body does not
    // parse: some prefix of the message then decodes completely, as `custom(3)`.
    let prefix: Uint8Array | undefined;
    for (let cut = 1; cut < removal.length && prefix === undefined; cut++) {
      let end: number | undefined;
      try {
        end = decodeMlsMessage(removal.subarray(0, cut), 0)?.[1];
      } catch {
        end = undefined; // most prefixes throw
      }
      if (end === cut) prefix = removal.subarray(0, cut);
    }
    assert.ok(prefix, 'ts-mls decodes a strict prefix of the Remove as a whole message');
    const content = publicMessage(prefix).content;
    assert.equal(content.contentType === 'proposal' && content.proposal.proposalType, 3);
    await rejectsWith(async () => g.engine.inspectMessage(prefix), 'HERALD_ERR_E2EE_MALFORMED_MESSAGE');
    await rejectsWith(g.engine.processMessage(g.states[1]!, prefix), 'HERALD_ERR_E2EE_MALFORMED_MESSAGE');
  });
});
