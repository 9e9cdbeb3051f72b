import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CapabilityCache } from './capability-cache.ts';

describe('capability cache', () => {
  it('keeps a yes for the TTL and a no for the shorter negative TTL', () => {
    let now = 0;
    const cache = new CapabilityCache({ ttlMs: 1000, negativeTtlMs: 100, maxEntries: 10, now: () => now });
    cache.set('+1', true);
    cache.set('+2', false);
    now = 99;
    assert.deepEqual([cache.get('+1'), cache.get('+2')], [true, false]);
    now = 100;
    assert.deepEqual([cache.get('+1'), cache.get('+2')], [true, undefined]);
    now = 1000;
    assert.equal(cache.get('+1'), undefined);
  });

  it('replaces an answer and drops the oldest entry beyond its size', () => {
    const cache = new CapabilityCache({ ttlMs: 1000, negativeTtlMs: 1000, maxEntries: 2 });
    cache.set('+1', true);
    cache.set('+2', true);
    cache.set('+1', false);
    cache.set('+3', true);
    assert.equal(cache.size, 2);
    assert.deepEqual([cache.get('+1'), cache.get('+2'), cache.get('+3')], [false, undefined, true]);
  });
});
