import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TokenBucket } from './token-bucket.ts';

describe('TokenBucket', () => {
  test('allows the burst, then the rate', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 10, () => now);
    const burst = Array.from({ length: 12 }, () => bucket.take());
    assert.equal(burst.filter(Boolean).length, 10);
    now += 100; // 0.1 s at 10/s refills one token
    assert.equal(bucket.take(), true);
    assert.equal(bucket.take(), false);
    now += 10_000; // refills only up to capacity
    assert.equal(Array.from({ length: 20 }, () => bucket.take()).filter(Boolean).length, 10);
  });
});
