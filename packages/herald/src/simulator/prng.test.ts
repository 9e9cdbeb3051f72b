import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { hashSeed, intBetween, mulberry32 } from './prng.ts';

describe('mulberry32', () => {
  test('replays the same sequence for the same seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const seqA = Array.from({ length: 5 }, a);
    assert.deepEqual(seqA, Array.from({ length: 5 }, b));
    assert.notDeepEqual(seqA, Array.from({ length: 5 }, c));
  });

  test('stays in [0, 1) and is roughly uniform', () => {
    const r = mulberry32(7);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const x = r();
      assert.ok(x >= 0 && x < 1);
      sum += x;
    }
    assert.ok(Math.abs(sum / 10_000 - 0.5) < 0.02);
  });
});

describe('hashSeed', () => {
  test('depends on every part and on where parts split', () => {
    assert.equal(hashSeed(1, 'msg_a', 0), hashSeed(1, 'msg_a', 0));
    assert.notEqual(hashSeed(1, 'msg_a', 0), hashSeed(1, 'msg_a', 1));
    assert.notEqual(hashSeed(1, 'msg_a', 0), hashSeed(2, 'msg_a', 0));
    assert.notEqual(hashSeed('ab', 'c'), hashSeed('a', 'bc'));
  });
});

describe('intBetween', () => {
  test('stays within both bounds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.nat(),
        (x, y, seed) => {
          const [min, max] = x <= y ? [x, y] : [y, x];
          const n = intBetween(mulberry32(seed), min, max);
          assert.ok(Number.isInteger(n) && n >= min && n <= max);
        },
      ),
    );
  });
});
