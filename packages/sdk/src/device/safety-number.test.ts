import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodeCryptoProvider } from '../../../herald/src/e2ee/mls/crypto/node-crypto-provider.ts';
import { MlsTestWorld } from '../../../herald/src/e2ee/mls/mls-test-kit.ts';
import { rosterBetween } from './roster.ts';
import { safetyNumber } from './safety-number.ts';

async function twoMemberGroup() {
  const world = new MlsTestWorld(nodeCryptoProvider);
  const { engine } = world;
  const alice = await world.enroll('alice', 'dev_phone');
  const bob = await world.enroll('bob', 'dev_b');
  const aliceState = await engine.createGroup(await alice.keyPackage());
  const bobKp = await bob.keyPackage();
  const before = engine.members(aliceState);
  const out = await engine.addMembers(aliceState, [bobKp.keyPackage]);
  const a1 = engine.mergePendingCommit(out.pending);
  const b1 = await engine.joinFromWelcome(out.welcome!, bobKp);
  return { world, engine, before, a1, b1, alice, bob };
}

const numberOf = (engine: MlsTestWorld['engine'], s: Awaited<ReturnType<typeof twoMemberGroup>>['a1']) =>
  safetyNumber({
    groupId: s.groupId,
    epoch: s.epoch,
    epochAuthenticator: engine.epochAuthenticator(s),
    members: engine.members(s),
  });

describe('safetyNumber', () => {
  it('is six groups of five digits, the same on every member device for the same group state', async () => {
    const { engine, a1, b1 } = await twoMemberGroup();
    const a = await numberOf(engine, a1);
    assert.match(a, /^\d{5}( \d{5}){5}$/);
    assert.equal(await numberOf(engine, b1), a);
  });

  it('changes with the epoch, and with any member key', async () => {
    const { engine, a1, b1 } = await twoMemberGroup();
    const first = await numberOf(engine, a1);
    const out = await engine.commitPending(b1);
    const b2 = engine.mergePendingCommit(out.pending);
    const a2 = (await engine.processMessage(a1, out.commit)).state;
    const second = await numberOf(engine, b2);
    assert.notEqual(second, first);
    assert.equal(await numberOf(engine, a2), second);
    const members = engine
      .members(b2)
      .map((m, i) => (i === 0 ? { ...m, signaturePublicKey: m.signaturePublicKey.map((x) => x ^ 1) } : m));
    const forged = await safetyNumber({
      groupId: b2.groupId,
      epoch: b2.epoch,
      epochAuthenticator: engine.epochAuthenticator(b2),
      members,
    });
    assert.notEqual(forged, second);
  });
});

describe('rosterBetween', () => {
  it('reports the leaves an Add filled with their device identities', async () => {
    const { engine, before, a1 } = await twoMemberGroup();
    assert.deepEqual(rosterBetween(before, engine.members(a1)), {
      added: [{ userId: 'bob', deviceId: 'dev_b', leafIndex: 1 }],
      removed: [],
    });
  });

  it('reports a removed leaf, and a leaf refilled by another device as removed and added', async () => {
    const { world, engine, a1 } = await twoMemberGroup();
    const carol = await world.enroll('carol', 'dev_c');
    const before = engine.members(a1);
    const out = await engine.removeMembers(a1, [1]);
    const a2 = engine.mergePendingCommit(out.pending);
    assert.deepEqual(rosterBetween(before, engine.members(a2)), { added: [], removed: [1] });
    const after = engine.members(a2);
    const added = await engine.addMembers(a2, [(await carol.keyPackage()).keyPackage]);
    const a3 = engine.mergePendingCommit(added.pending);
    assert.deepEqual(rosterBetween(before, engine.members(a3)), {
      added: [{ userId: 'carol', deviceId: 'dev_c', leafIndex: 1 }],
      removed: [1],
    });
    assert.deepEqual(rosterBetween(after, engine.members(a3)).removed, []);
  });
});
