import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { isHeraldError } from '../../errors/index.ts';
import { nodeCryptoProvider } from './crypto/node-crypto-provider.ts';
import type { MlsGroupState } from './mls-engine.ts';
import {
  MlsTestWorld,
  rejectsWith,
  servedGroup,
  utf8,
  type ServedGroup,
  type TestDevice,
} from './mls-test-kit.ts';

/** Runs `fn`; any failure must be a HeraldError with an E2EE code (never a crash or a TypeError). */
async function onlyHeraldErrors(fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (err) {
    assert.ok(isHeraldError(err), `unexpected ${String(err)}`);
    assert.match(err.code, /^HERALD_ERR_E2EE_/);
  }
}

void describe('MLS framing under hostile input (fast-check)', () => {
  const world = new MlsTestWorld(nodeCryptoProvider, { handshakeWireFormat: 'public' });
  const engine = world.engine;
  const samples: Uint8Array[] = [];
  let g: ServedGroup;
  let bob: MlsGroupState;
  /** Bob's second device, which may join by external commit. */
  let bob2: TestDevice;
  let groupInfo: Uint8Array;
  let removal: Uint8Array;
  let externalCommit: Uint8Array;

  before(async () => {
    g = await servedGroup(world, ['a', 'b']);
    const [a] = g.states as [MlsGroupState];
    bob = g.states[1]!;
    const c = await world.enroll('usr_c', 'dev_c1');
    const kp = await c.keyPackage();
    const out = await engine.addMembers(a, [kp.keyPackage]);
    const app = await engine.encrypt(a, utf8('fuzz me'));
    const commit = await engine.commitPending(app.state);
    groupInfo = await engine.groupInfo(a);
    removal = await engine.externalRemoveProposal({
      groupId: a.groupId,
      epoch: a.epoch,
      removedLeafIndex: 0,
      senderIndex: 0,
      signer: g.ds.signer,
    });
    bob2 = await world.enroll('usr_b', 'dev_b2');
    externalCommit = (await engine.joinByExternalCommit(groupInfo, bob2)).commit;
    samples.push(kp.keyPackage, out.welcome!, out.commit, app.message, commit.commit);
    samples.push(groupInfo, removal, externalCommit);
  });

  void it('inspects arbitrary bytes without crashing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => {
        await onlyHeraldErrors(() => engine.inspectMessage(bytes));
        await onlyHeraldErrors(() => engine.joinByExternalCommit(bytes, bob2));
      }),
      { numRuns: 500 },
    );
  });

  void it('refuses every truncation of a GroupInfo, an external proposal and an external commit as malformed', async () => {
    for (const sample of [groupInfo, removal, externalCommit])
      for (let cut = 0; cut < sample.length; cut++) {
        const bytes = sample.subarray(0, cut);
        await rejectsWith(async () => engine.inspectMessage(bytes), 'HERALD_ERR_E2EE_MALFORMED_MESSAGE');
        await rejectsWith(engine.processMessage(bob, bytes), 'HERALD_ERR_E2EE_MALFORMED_MESSAGE');
        await rejectsWith(engine.joinByExternalCommit(bytes, bob2), 'HERALD_ERR_E2EE_MALFORMED_MESSAGE');
      }
  });

  void it('accepts an external Remove only when group, epoch, sender, key and leaf are all right', async () => {
    const a = g.states[0]!;
    const other = await engine.generateSignatureKeyPair();
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          sameGroup: fc.boolean(),
          epochDelta: fc.integer({ min: -1, max: 1 }),
          leaf: fc.nat({ max: 4 }),
          senderIndex: fc.nat({ max: 2 }),
          serverKey: fc.boolean(),
        }),
        async (p) => {
          const proposal = await engine.externalRemoveProposal({
            groupId: p.sameGroup ? a.groupId : utf8('some other group'),
            epoch: a.epoch + BigInt(p.epochDelta),
            removedLeafIndex: p.leaf,
            senderIndex: p.senderIndex,
            signer: p.serverKey ? g.ds.signer : other,
          });
          const valid =
            p.sameGroup && p.epochDelta === 0 && p.leaf <= 1 && p.senderIndex === 0 && p.serverKey;
          let accepted = false;
          await onlyHeraldErrors(async () => {
            accepted = (await engine.processMessage(bob, proposal)).kind === 'proposal';
          });
          assert.equal(accepted, valid, JSON.stringify(p));
        },
      ),
      { numRuns: 200 },
    );
  });

  void it('refuses truncated, extended and bit-flipped real messages with stable codes', async () => {
    const mutated = fc
      .tuple(
        fc.nat({ max: samples.length - 1 }),
        fc.nat(),
        fc.nat({ max: 7 }),
        fc.constantFrom('flip', 'cut', 'grow'),
      )
      .map(([which, at, bit, how]) => {
        const base = samples[which]!;
        const i = at % base.length;
        if (how === 'cut') return base.subarray(0, i);
        if (how === 'grow') return new Uint8Array([...base, bit]);
        const copy = base.slice();
        copy[i]! ^= 1 << bit;
        return copy;
      });
    await fc.assert(
      fc.asyncProperty(mutated, async (bytes) => {
        await onlyHeraldErrors(() => engine.inspectMessage(bytes));
        await onlyHeraldErrors(() => engine.validateKeyPackage(bytes));
        await onlyHeraldErrors(() => engine.processMessage(bob, bytes));
        await onlyHeraldErrors(() => engine.joinByExternalCommit(bytes, bob2));
      }),
      { numRuns: 300 },
    );
  });
});
