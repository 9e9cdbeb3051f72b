import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_RECONNECT_BACKOFF, reconnectDelay } from './reconnect-backoff.ts';

describe('reconnectDelay', () => {
  const noJitter = { ...DEFAULT_RECONNECT_BACKOFF, jitter: 0 };

  test('grows exponentially and stops at the cap', () => {
    assert.deepEqual(
      [0, 1, 2, 3].map((n) => reconnectDelay(n, noJitter)),
      [250, 500, 1000, 2000],
    );
    assert.equal(reconnectDelay(50, noJitter), 30_000);
    assert.equal(reconnectDelay(5000, noJitter), 30_000);
  });

  test('jitter only ever shortens the delay, within its share', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 40 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 0.9999, noNaN: true }),
        (attempt, jitter, r) => {
          const base = reconnectDelay(attempt, noJitter);
          const d = reconnectDelay(attempt, { ...DEFAULT_RECONNECT_BACKOFF, jitter }, () => r);
          assert.ok(d <= base && d >= Math.floor(base * (1 - jitter)), `${d} vs ${base}`);
        },
      ),
    );
  });
});
