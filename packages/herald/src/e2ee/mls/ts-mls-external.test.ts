// Revocation by the Delivery Service's Remove proposal and recovery by external commit, through
// the engine with real groups. Where a test needs a message Herald's engine refuses to build
// (a joiner's own Add, an external commit removing someone else), it is made with ts-mls's own
// functions, valid in every other respect.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeMlsMessage,
  defaultKeyPackageEqualityConfig,
  encodeMlsMessage,
  getCiphersuiteFromName,
  joinGroupExternal,
  createCommit,
  makePskIndex,
  processPublicMessage,
  proposeAddExternal,
  type CiphersuiteImpl,
  type ClientConfig,
  type Commit,
  type GroupInfo,
  type MLSMessage,
} from 'ts-mls';
import { checkExternalCommit } from './external-checks.ts';
import { nodeCryptoProvider } from './crypto/node-crypto-provider.ts';
import type { MlsEngine, MlsGroupState, MlsProcessed } from './mls-engine.ts';
import {
  MLS_PROVIDERS,
  MlsTestWorld,
  rejectsWith,
  servedGroup,
  text,
  utf8,
  type ServedGroup,
  type TestDevice,
} from './mls-test-kit.ts';
import { decodeKeyPackageSecret, TsMlsGroupState } from './ts-mls-group-state.ts';

const SUITE = getCiphersuiteFromName('MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519');
const impl = (): Promise<CiphersuiteImpl> => nodeCryptoProvider.getCiphersuiteImpl(SUITE);

function kind<K extends MlsProcessed['kind']>(r: MlsProcessed, k: K): Extract<MlsProcessed, { kind: K }> {
  assert.equal(r.kind, k);
  return r as Extract<MlsProcessed, { kind: K }>;
}

function decoded<W extends MLSMessage['wireformat']>(
  bytes: Uint8Array,
  wireformat: W,
): Extract<MLSMessage, { wireformat: W }> {
  const d = decodeMlsMessage(bytes, 0);
  assert.ok(d);
  assert.equal(d[0].wireformat, wireformat);
  return d[0] as Extract<MLSMessage, { wireformat: W }>;
}

/** Alice, Bob and Carol (leaves 0, 1, 2) in a group served by the Delivery Service. */
const threeMembers = (world: MlsTestWorld): Promise<ServedGroup> =>
  servedGroup(world, ['alice', 'bob', 'carol']);

/** The server's Remove of `leaf` at the group's current epoch (as `state` sees it). */
function revoke(
  engine: MlsEngine,
  g: ServedGroup,
  state: MlsGroupState,
  leaf: number,
  overrides: Partial<Parameters<MlsEngine['externalRemoveProposal']>[0]> = {},
): Promise<Uint8Array> {
  return engine.externalRemoveProposal({
    groupId: state.groupId,
    epoch: state.epoch,
    removedLeafIndex: leaf,
    senderIndex: 0,
    signer: g.ds.signer,
    ...overrides,
  });
}

const identities = (engine: MlsEngine, s: MlsGroupState) => engine.members(s).map((m) => m.identity);

for (const { name, provider } of MLS_PROVIDERS) {
  void describe(`revocation and recovery on the ${name} provider`, () => {
    void it("revokes a device by the server's Remove: a member commits it with an UpdatePath, the device learns it and reads nothing after", async () => {
      const world = new MlsTestWorld(provider, { handshakeWireFormat: 'public' });
      const engine = world.engine;
      const g = await threeMembers(world);
      const [a1, b1, c1] = g.states as [MlsGroupState, MlsGroupState, MlsGroupState];

      const proposal = await revoke(engine, g, a1, 2);
      const f = engine.inspectMessage(proposal);
      assert.equal(f.wireFormat, 'mls_public_message');
      assert.deepEqual(f.groupId, a1.groupId);
      assert.equal(f.epoch, 1n);
      assert.deepEqual(f.sender, { type: 'external', senderIndex: 0 });
      assert.equal(f.proposalType, 'remove');

      const a2 = kind(await engine.processMessage(a1, proposal), 'proposal');
      assert.equal(a2.proposalType, 'remove');
      // Until a member commits it, nobody sends (ts-mls refuses with proposals pending).
      await rejectsWith(engine.encrypt(a2.state, utf8('too early')), 'HERALD_ERR_E2EE_INVALID_STATE');
      const b2 = kind(await engine.processMessage(b1, proposal), 'proposal');
      const c2 = kind(await engine.processMessage(c1, proposal), 'proposal');
      // The revoked device cannot commit its own removal (RFC 9420 §12.2).
      await rejectsWith(engine.commitPending(c2.state), 'HERALD_ERR_E2EE_INVALID_STATE');

      const out = await engine.commitPending(a2.state);
      assert.deepEqual(engine.inspectMessage(out.commit).commit, { proposals: ['reference'], hasPath: true });
      const a3 = engine.mergePendingCommit(out.pending);
      const b3 = kind(await engine.processMessage(b2.state, out.commit), 'commit');
      assert.equal(b3.removedSelf, false);
      const c3 = kind(await engine.processMessage(c2.state, out.commit), 'commit');
      assert.equal(c3.removedSelf, true);
      assert.equal(c3.state.active, false);

      assert.equal(a3.epoch, 2n);
      assert.equal(b3.epoch, 2n);
      assert.deepEqual(engine.epochAuthenticator(a3), engine.epochAuthenticator(b3.state));
      assert.deepEqual(identities(engine, a3), [g.devices[0]!.identity, g.devices[1]!.identity]);

      const next = await engine.encrypt(a3, utf8('after the revocation'));
      const got = kind(await engine.processMessage(b3.state, next.message), 'application');
      assert.equal(text(got.plaintext), 'after the revocation');
      await rejectsWith(engine.processMessage(c3.state, next.message), 'HERALD_ERR_E2EE_NOT_A_MEMBER');
      await rejectsWith(engine.processMessage(c2.state, next.message), 'HERALD_ERR_E2EE_FUTURE_EPOCH');
      // (mls-regressions.test.ts shows that none of Carol's keys opens the commit's path secrets.)
    });

    void it('re-joins a device that lost its state by external commit with resync; the others follow and the group keeps its size', async () => {
      const world = new MlsTestWorld(provider, { handshakeWireFormat: 'public' });
      const engine = world.engine;
      const g = await threeMembers(world);
      const [alice, bob, carol] = g.devices as [TestDevice, TestDevice, TestDevice];
      // One more epoch first, so the GroupInfo is not the Welcome's.
      const refresh = await engine.commitPending(g.states[2]!);
      let a = kind(await engine.processMessage(g.states[0]!, refresh.commit), 'commit').state;
      let c = engine.mergePendingCommit(refresh.pending);
      // Bob loses his state: g.states[1] is never used again.

      const info = await engine.groupInfo(a);
      const f = engine.inspectMessage(info);
      assert.equal(f.wireFormat, 'mls_group_info');
      assert.deepEqual(f.groupId, a.groupId);
      assert.equal(f.epoch, 2n);
      assert.deepEqual(
        f.members?.map((m) => [m.leafIndex, m.identity]),
        [
          [0, alice.identity],
          [1, bob.identity],
          [2, carol.identity],
        ],
      );
      const oldLeaf = f.members!.find((m) => m.identity?.userId === 'usr_bob')!.leafIndex;

      const joined = await engine.joinByExternalCommit(info, bob, { resync: { oldLeafIndex: oldLeaf } });
      const cf = engine.inspectMessage(joined.commit);
      assert.deepEqual(cf.sender, { type: 'new_member_commit' });
      assert.equal(cf.epoch, 2n);
      assert.deepEqual(cf.commit, { proposals: ['remove', 'external_init'], hasPath: true });

      const ra = kind(await engine.processMessage(a, joined.commit), 'commit');
      assert.equal(ra.removedSelf, false);
      a = ra.state;
      c = kind(await engine.processMessage(c, joined.commit), 'commit').state;
      let b = joined.state;
      assert.equal(a.epoch, 3n);
      assert.equal(b.epoch, 3n);
      assert.deepEqual(engine.epochAuthenticator(a), engine.epochAuthenticator(b));
      assert.deepEqual(engine.epochAuthenticator(c), engine.epochAuthenticator(b));
      assert.equal(engine.members(a).length, 3);
      assert.deepEqual(
        new Set(identities(engine, a).map((i) => `${i?.userId}:${i?.deviceId}`)),
        new Set(['usr_alice:dev_alice1', 'usr_bob:dev_bob1', 'usr_carol:dev_carol1']),
      );

      const toBob = await engine.encrypt(a, utf8('welcome back'));
      a = toBob.state;
      const gotBob = kind(await engine.processMessage(b, toBob.message), 'application');
      assert.equal(text(gotBob.plaintext), 'welcome back');
      b = gotBob.state;
      const toAlice = await engine.encrypt(b, utf8('thanks'));
      const gotAlice = kind(await engine.processMessage(a, toAlice.message), 'application');
      assert.equal(text(gotAlice.plaintext), 'thanks');
      assert.deepEqual(gotAlice.sender.identity, bob.identity);
      assert.equal(
        text(kind(await engine.processMessage(c, toAlice.message), 'application').plaintext),
        'thanks',
      );
    });
  });
}

void describe('external proposals: what members refuse', () => {
  void it('refuses a forged, mis-addressed or misdated Remove with stable codes and keeps none of them', async () => {
    const world = new MlsTestWorld(nodeCryptoProvider, { handshakeWireFormat: 'public' });
    const engine = world.engine;
    const g = await threeMembers(world);
    const b = g.states[1]!;

    const other = await engine.generateSignatureKeyPair();
    await rejectsWith(
      engine.processMessage(b, await revoke(engine, g, b, 2, { signer: other })),
      'HERALD_ERR_E2EE_AUTHENTICATION_FAILED',
    );
    // Carol signing as if she were the server is no better.
    await rejectsWith(
      engine.processMessage(b, await revoke(engine, g, b, 0, { signer: g.devices[2]!.signer })),
      'HERALD_ERR_E2EE_AUTHENTICATION_FAILED',
    );
    await rejectsWith(
      engine.processMessage(b, await revoke(engine, g, b, 2, { epoch: 0n })),
      'HERALD_ERR_E2EE_STALE_EPOCH',
    );
    await rejectsWith(
      engine.processMessage(b, await revoke(engine, g, b, 2, { epoch: 2n })),
      'HERALD_ERR_E2EE_FUTURE_EPOCH',
    );
    await rejectsWith(
      engine.processMessage(b, await revoke(engine, g, b, 7)),
      'HERALD_ERR_E2EE_MEMBER_NOT_FOUND',
    );
    await rejectsWith(
      engine.processMessage(b, await revoke(engine, g, b, 2, { senderIndex: 1 })),
      'HERALD_ERR_E2EE_EXTERNAL_PROPOSAL_REFUSED',
    );
    await rejectsWith(
      engine.processMessage(b, await revoke(engine, g, b, 2, { groupId: utf8('another group') })),
      'HERALD_ERR_E2EE_WRONG_GROUP',
    );
    // The server's key no longer in the directory: its credential is refused.
    g.world.directory.revoke(g.ds.identity);
    await rejectsWith(
      engine.processMessage(b, await revoke(engine, g, b, 2)),
      'HERALD_ERR_E2EE_CREDENTIAL_REJECTED',
    );
    g.world.directory.publish(g.ds.identity, g.ds.signer.publicKey);

    // None of them was kept: Bob's next commit covers no proposal.
    const out = await engine.commitPending(b);
    assert.deepEqual(engine.inspectMessage(out.commit).commit, { proposals: [], hasPath: true });
  });

  void it('refuses a Remove of a blank leaf', async () => {
    const world = new MlsTestWorld(nodeCryptoProvider);
    const engine = world.engine;
    const g = await threeMembers(world);
    const out = await engine.removeMembers(g.states[0]!, [1]);
    const a = engine.mergePendingCommit(out.pending);
    const c = kind(await engine.processMessage(g.states[2]!, out.commit), 'commit').state;
    assert.deepEqual(
      engine.members(c).map((m) => m.leafIndex),
      [0, 2],
    );
    const blank = await revoke(engine, g, a, 1);
    await rejectsWith(engine.processMessage(c, blank), 'HERALD_ERR_E2EE_MEMBER_NOT_FOUND');
    kind(await engine.processMessage(c, await revoke(engine, g, a, 0)), 'proposal');
    // ts-mls 1.6.4 alone stores it, and then no member can commit at all.
    const cs = await impl();
    const stored = await processPublicMessage(
      TsMlsGroupState.unwrap(c),
      decoded(blank, 'mls_public_message').publicMessage,
      makePskIndex(undefined, {}),
      cs,
    );
    assert.equal(Object.keys(stored.newState.unappliedProposals).length, 1);
    await assert.rejects(createCommit({ state: stored.newState, cipherSuite: cs }, {}), /empty leaf/);
  });

  void it('takes the same Remove twice as one, refuses a second Remove of that leaf, and commits it once', async () => {
    const world = new MlsTestWorld(nodeCryptoProvider, { handshakeWireFormat: 'public' });
    const engine = world.engine;
    const g = await servedGroup(world, ['alice', 'bob', 'carol'], 1);
    let a = g.states[0]!;
    const first = await revoke(engine, g, a, 2);
    a = kind(await engine.processMessage(a, first), 'proposal').state;
    a = kind(await engine.processMessage(a, first), 'proposal').state;
    const second = await revoke(engine, g, a, 2, { senderIndex: 1, signer: g.externalSenders[1]!.signer });
    assert.deepEqual(engine.inspectMessage(second).sender, { type: 'external', senderIndex: 1 });
    await rejectsWith(engine.processMessage(a, second), 'HERALD_ERR_E2EE_EXTERNAL_PROPOSAL_REFUSED');
    // Removing the same device by hand folds into the pending Remove.
    const out = await engine.removeMembers(a, [2]);
    assert.deepEqual(engine.inspectMessage(out.commit).commit, { proposals: ['reference'], hasPath: true });
    const b = kind(await engine.processMessage(g.states[1]!, first), 'proposal').state;
    const b2 = kind(await engine.processMessage(b, out.commit), 'commit');
    assert.equal(engine.members(b2.state).length, 2);
  });

  void it("refuses a joiner's own Add proposal: members are added by Welcome only", async () => {
    const world = new MlsTestWorld(nodeCryptoProvider);
    const engine = world.engine;
    const g = await threeMembers(world);
    const mallory = await world.enroll('usr_mallory', 'dev_m1');
    const kp = decodeKeyPackageSecret((await mallory.keyPackage()).secret);
    const info = decoded(await engine.groupInfo(g.states[0]!), 'mls_group_info').groupInfo;
    const proposal = await proposeAddExternal(info, kp.keyPackage, kp.privateKeys, await impl());
    await rejectsWith(
      engine.processMessage(g.states[1]!, encodeMlsMessage(proposal)),
      'HERALD_ERR_E2EE_EXTERNAL_PROPOSAL_REFUSED',
    );
  });

  void it('refuses to build a proposal from out-of-range values', async () => {
    const world = new MlsTestWorld(nodeCryptoProvider);
    const engine = world.engine;
    const g = await threeMembers(world);
    const a = g.states[0]!;
    await rejectsWith(revoke(engine, g, a, -1), 'HERALD_ERR_E2EE_MEMBER_NOT_FOUND');
    await rejectsWith(revoke(engine, g, a, 2 ** 32), 'HERALD_ERR_E2EE_MEMBER_NOT_FOUND');
    await rejectsWith(revoke(engine, g, a, 2, { epoch: -1n }), 'HERALD_ERR_E2EE_INVALID_ARGUMENT');
    await rejectsWith(revoke(engine, g, a, 2, { epoch: 1n << 64n }), 'HERALD_ERR_E2EE_INVALID_ARGUMENT');
    await rejectsWith(
      revoke(engine, g, a, 2, { groupId: new Uint8Array() }),
      'HERALD_ERR_E2EE_INVALID_ARGUMENT',
    );
    await rejectsWith(
      revoke(engine, g, a, 2, { groupId: new Uint8Array(257) }),
      'HERALD_ERR_E2EE_INVALID_ARGUMENT',
    );
    await rejectsWith(revoke(engine, g, a, 2, { senderIndex: 0.5 }), 'HERALD_ERR_E2EE_INVALID_ARGUMENT');
    await rejectsWith(
      revoke(engine, g, a, 2, { cipherSuite: 'MLS_128_DHKEMP256_AES128GCM_SHA256_P256' }),
      'HERALD_ERR_E2EE_UNSUPPORTED_CIPHERSUITE',
    );
  });
});

void describe('external joins: who may', () => {
  void it('lets a new device of a member join without resync', async () => {
    const world = new MlsTestWorld(nodeCryptoProvider);
    const engine = world.engine;
    const g = await threeMembers(world);
    const bob2 = await world.enroll('usr_bob', 'dev_bob2');
    const joined = await engine.joinByExternalCommit(await engine.groupInfo(g.states[2]!), bob2);
    assert.deepEqual(engine.inspectMessage(joined.commit).sender, { type: 'new_member_commit' });
    const a = kind(await engine.processMessage(g.states[0]!, joined.commit), 'commit').state;
    assert.equal(engine.members(a).length, 4);
    const hello = await engine.encrypt(joined.state, utf8('second device'));
    assert.equal(
      text(kind(await engine.processMessage(a, hello.message), 'application').plaintext),
      'second device',
    );
  });

  void it("refuses strangers, another device's leaf and a present device without resync, on both sides", async () => {
    const world = new MlsTestWorld(nodeCryptoProvider);
    const engine = world.engine;
    const g = await threeMembers(world);
    const [a, b] = g.states as [MlsGroupState, MlsGroupState];
    const bob = g.devices[1]!;
    const info = await engine.groupInfo(a);
    const mallory = await world.enroll('usr_mallory', 'dev_m1');
    const bob2 = await world.enroll('usr_bob', 'dev_bob2');

    // The joiner's engine will not build these.
    await rejectsWith(engine.joinByExternalCommit(info, mallory), 'HERALD_ERR_E2EE_EXTERNAL_JOIN_REFUSED');
    await rejectsWith(engine.joinByExternalCommit(info, bob), 'HERALD_ERR_E2EE_EXTERNAL_JOIN_REFUSED');
    await rejectsWith(
      engine.joinByExternalCommit(info, bob, { resync: { oldLeafIndex: 2 } }),
      'HERALD_ERR_E2EE_EXTERNAL_JOIN_REFUSED',
    );
    await rejectsWith(
      engine.joinByExternalCommit(info, bob2, { resync: { oldLeafIndex: 1 } }),
      'HERALD_ERR_E2EE_EXTERNAL_JOIN_REFUSED',
    );
    await rejectsWith(
      engine.joinByExternalCommit(info, bob, { resync: { oldLeafIndex: 9 } }),
      'HERALD_ERR_E2EE_EXTERNAL_JOIN_REFUSED',
    );

    // Members refuse them when another client builds them with ts-mls.
    const cs = await impl();
    const gi: GroupInfo = decoded(info, 'mls_group_info').groupInfo;
    const config = (equal: ClientConfig['keyPackageEqualityConfig']): ClientConfig => ({
      ...TsMlsGroupState.unwrap(a).clientConfig,
      keyPackageEqualityConfig: equal,
    });
    const stranger = decodeKeyPackageSecret((await mallory.keyPackage()).secret);
    const strangerJoin = await joinGroupExternal(
      gi,
      stranger.keyPackage,
      stranger.privateKeys,
      false,
      cs,
      undefined,
      config(defaultKeyPackageEqualityConfig),
    );
    const strangerCommit = encodeMlsMessage({
      version: 'mls10',
      wireformat: 'mls_public_message',
      publicMessage: strangerJoin.publicMessage,
    });
    await rejectsWith(engine.processMessage(b, strangerCommit), 'HERALD_ERR_E2EE_EXTERNAL_JOIN_REFUSED');

    // Bob's new device "resyncing" Carol's leaf: ts-mls picks the leaf by a comparison the
    // client controls, and applies the commit; Herald refuses it.
    const second = decodeKeyPackageSecret((await bob2.keyPackage()).secret);
    const carolKey = engine.members(a)[2]!.signaturePublicKey;
    const hijack = await joinGroupExternal(
      gi,
      second.keyPackage,
      second.privateKeys,
      true,
      cs,
      undefined,
      config({
        ...defaultKeyPackageEqualityConfig,
        compareKeyPackageToLeafNode: (_, leaf) => leaf.signaturePublicKey.every((v, i) => v === carolKey[i]),
      }),
    );
    const hijackCommit = encodeMlsMessage({
      version: 'mls10',
      wireformat: 'mls_public_message',
      publicMessage: hijack.publicMessage,
    });
    assert.deepEqual(engine.inspectMessage(hijackCommit).commit?.proposals, ['remove', 'external_init']);
    const accepted = await processPublicMessage(
      TsMlsGroupState.unwrap(b),
      hijack.publicMessage,
      makePskIndex(undefined, {}),
      cs,
    );
    assert.equal(accepted.newState.groupContext.epoch, 2n, 'ts-mls 1.6.4 applies it');
    await rejectsWith(engine.processMessage(b, hijackCommit), 'HERALD_ERR_E2EE_EXTERNAL_JOIN_REFUSED');
  });

  void it('refuses an external commit from an old GroupInfo, and input that is not a GroupInfo', async () => {
    const world = new MlsTestWorld(nodeCryptoProvider);
    const engine = world.engine;
    const g = await threeMembers(world);
    const old = await engine.groupInfo(g.states[0]!);
    const refresh = await engine.commitPending(g.states[0]!);
    const a = engine.mergePendingCommit(refresh.pending);
    const bob2 = await world.enroll('usr_bob', 'dev_bob2');
    const late = await engine.joinByExternalCommit(old, bob2);
    await rejectsWith(engine.processMessage(a, late.commit), 'HERALD_ERR_E2EE_STALE_EPOCH');
    await rejectsWith(
      engine.joinByExternalCommit((await bob2.keyPackage()).keyPackage, bob2),
      'HERALD_ERR_E2EE_UNEXPECTED_WIRE_FORMAT',
    );
    // A removed device publishes no GroupInfo.
    const c = kind(await engine.processMessage(g.states[2]!, refresh.commit), 'commit').state;
    const out = await engine.removeMembers(a, [2]);
    const removed = kind(await engine.processMessage(c, out.commit), 'commit');
    assert.equal(removed.removedSelf, true);
    await rejectsWith(engine.groupInfo(removed.state), 'HERALD_ERR_E2EE_NOT_A_MEMBER');
  });
});

void describe('the external-commit rules (RFC 9420 §12.2, §12.4.3.2)', () => {
  void it('refuses by-reference proposals, a second Remove, other proposal types, no or two ExternalInits, and no path', async () => {
    const world = new MlsTestWorld(nodeCryptoProvider);
    const g = await threeMembers(world);
    const client = TsMlsGroupState.unwrap(g.states[0]!);
    const bob2 = await world.enroll('usr_bob', 'dev_bob2');
    const joined = await world.engine.joinByExternalCommit(await world.engine.groupInfo(g.states[0]!), bob2);
    const content = decoded(joined.commit, 'mls_public_message').publicMessage.content;
    assert.equal(content.contentType, 'commit');
    const real = (content as Extract<typeof content, { contentType: 'commit' }>).commit;
    checkExternalCommit(client, real); // the real one passes

    const init = real.proposals[0]!;
    const remove = (leaf: number) =>
      ({
        proposalOrRefType: 'proposal',
        proposal: { proposalType: 'remove', remove: { removed: leaf } },
      }) as const;
    const cases: [Commit, string][] = [
      [
        { ...real, proposals: [{ proposalOrRefType: 'reference', reference: new Uint8Array(32) }, init] },
        'PROTOCOL_VIOLATION',
      ],
      [{ ...real, proposals: [remove(1), remove(2), init] }, 'PROTOCOL_VIOLATION'],
      [{ ...real, proposals: [] }, 'PROTOCOL_VIOLATION'],
      [{ ...real, proposals: [init, init] }, 'PROTOCOL_VIOLATION'],
      [
        {
          ...real,
          proposals: [
            init,
            {
              proposalOrRefType: 'proposal',
              proposal: {
                proposalType: 'group_context_extensions',
                groupContextExtensions: { extensions: [] },
              },
            },
          ],
        },
        'PROTOCOL_VIOLATION',
      ],
      [
        {
          ...real,
          proposals: [
            init,
            {
              proposalOrRefType: 'proposal',
              proposal: { proposalType: 0xf0f0, proposalData: new Uint8Array() },
            },
          ],
        },
        'PROTOCOL_VIOLATION',
      ],
      [{ proposals: [init], path: undefined }, 'COMMIT_PATH_REQUIRED'],
      [{ ...real, proposals: [remove(2), init] }, 'EXTERNAL_JOIN_REFUSED'],
    ];
    for (const [commit, code] of cases)
      await rejectsWith(() => checkExternalCommit(client, commit), `HERALD_ERR_E2EE_${code}`);
  });
});
