import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { median, quantile, summarise } from './run-stats.ts';

describe('quantile', () => {
  test('takes the nearest rank: p50 and p99 of 1..100 are 50 and 99', () => {
    const xs = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(quantile(xs, 0.5), 50);
    assert.equal(quantile(xs, 0.99), 99);
    assert.equal(quantile(xs, 1), 100);
    assert.equal(quantile(xs, 0), 1);
  });

  test('p99 of a small sample is its maximum, not an interpolation past it', () => {
    assert.equal(quantile([3, 7, 40], 0.99), 40);
  });

  test('is NaN without samples and refuses a q outside [0, 1]', () => {
    assert.ok(Number.isNaN(quantile([], 0.5)));
    assert.throws(() => quantile([1], 1.5), RangeError);
  });
});

describe('summarise', () => {
  test('counts delivered messages over the span from first submit to last delivery', () => {
    const s = summarise({
      latencies: [30, 10, 20, 40],
      failed: 1,
      missing: 2,
      firstSubmit: 1000,
      lastDelivered: 3000,
    });
    assert.deepEqual(s, { delivered: 4, failed: 1, missing: 2, perSecond: 2, p50: 20, p99: 40 });
  });

  test('reports no throughput when nothing was delivered', () => {
    const s = summarise({ latencies: [], failed: 3, missing: 0, firstSubmit: 0, lastDelivered: -Infinity });
    assert.equal(s.perSecond, 0);
    assert.ok(Number.isNaN(s.p50));
  });
});

describe('median', () => {
  test('takes the lower middle of an even list and does not reorder its input', () => {
    const xs = [4, 1, 3, 2];
    assert.equal(median(xs), 2);
    assert.deepEqual(xs, [4, 1, 3, 2]);
    assert.equal(median([5, 1, 9]), 5);
  });
});
