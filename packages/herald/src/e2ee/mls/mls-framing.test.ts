import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { isHeraldError } from '../../errors/index.ts';
import { nodeCryptoProvider } from './crypto/node-crypto-provider.ts';
import type { MlsGroupState } from './mls-engine.ts';
import { MlsTestWorld, utf8 } from './mls-test-kit.ts';

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
  let bob: MlsGroupState;

  before(async () => {
    const alice = await world.enroll('usr_a', 'dev_a');
    const b = await world.enroll('usr_b', 'dev_b');
    const kp = await b.keyPackage();
    let a = await engine.createGroup(await alice.keyPackage());
    const out = await engine.addMembers(a, [kp.keyPackage]);
    a = engine.mergePendingCommit(out.pending);
    bob = await engine.joinFromWelcome(out.welcome!, kp);
    const app = await engine.encrypt(a, utf8('fuzz me'));
    const commit = await engine.commitPending(app.state);
    samples.push(kp.keyPackage, out.welcome!, out.commit, app.message, commit.commit);
  });

  void it('inspects arbitrary bytes without crashing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), (bytes) =>
        onlyHeraldErrors(() => engine.inspectMessage(bytes)),
      ),
      { numRuns: 500 },
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
      }),
      { numRuns: 300 },
    );
  });
});
