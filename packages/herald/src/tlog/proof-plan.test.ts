import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hashChildren, hashLeaf, type Hash } from './hash.ts';
import type { HashStore } from './hash-store.ts';
import { MerkleTree } from './merkle-tree.ts';
import { consistencyPlan, floorLog2, inclusionPlan, perfectSubtrees, splitPoint } from './proof-plan.ts';
import { leafIndex, treeSize } from './tree-size.ts';
import { verifyConsistency } from './verify-consistency.ts';
import { verifyInclusion } from './verify-inclusion.ts';

const MAX = Number.MAX_SAFE_INTEGER;

/**
 * A read-only store for a gigantic tree whose leaves are all equal: every perfect subtree at a
 * level has the same hash, so any node can be produced without storing anything. It exercises
 * the index arithmetic up to 2^53 - 1, far beyond 32-bit integers.
 */
function uniformTree(size: number): HashStore {
  const levels: Hash[] = [hashLeaf(Uint8Array.of(42))];
  for (let l = 1; l < 54; l++) levels.push(hashChildren(levels[l - 1]!, levels[l - 1]!));
  return {
    size: () => Promise.resolve(treeSize(size)),
    getNodes: (ids) => Promise.resolve(ids.map((id) => levels[id.level]!)),
    append: () => Promise.reject(new Error('read-only')),
  };
}

void describe('proof plans', () => {
  void it('splits at the largest power of two below n (RFC 9162 §2.1.1), up to 2^53', () => {
    assert.deepEqual([2, 3, 4, 5, 8, 9].map(splitPoint), [1, 2, 2, 4, 4, 8]);
    assert.equal(splitPoint(2 ** 40 + 1), 2 ** 40);
    assert.equal(splitPoint(2 ** 40), 2 ** 39);
    assert.equal(splitPoint(MAX), 2 ** 52);
    assert.equal(floorLog2(2 ** 32), 32);
    assert.equal(floorLog2(2 ** 32 - 1), 31);
  });

  void it('decomposes a prefix into one perfect subtree per set bit, largest first', () => {
    assert.deepEqual(perfectSubtrees(0, 13), [
      { level: 3, index: 0 },
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    assert.equal(perfectSubtrees(0, MAX).length, 53);
    assert.throws(() => perfectSubtrees(1, 3));
  });

  void it('keeps every plan under 2·log2(n) nodes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX }), fc.nat(), (n, a) => {
        const m = a % n;
        const bound = 2 * Math.ceil(Math.log2(n + 1));
        assert.ok(inclusionPlan(m, n).flat().length <= bound);
        assert.ok(consistencyPlan(m, n).flat().length <= bound);
      }),
    );
  });

  void it('proves inclusion and consistency in trees of up to 2^53 - 1 leaves', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: MAX }), fc.nat(), fc.nat(), async (n, a, b) => {
        const tree = new MerkleTree(uniformTree(n));
        const m = a % n;
        const size1 = b % (n + 1);
        const root = await tree.root(treeSize(n));
        const proof = await tree.inclusionProof(leafIndex(m), treeSize(n));
        assert.ok(verifyInclusion(proof, hashLeaf(Uint8Array.of(42)), root));
        const cons = await tree.consistencyProof(treeSize(size1), treeSize(n));
        assert.ok(verifyConsistency(cons, await tree.root(treeSize(size1)), root));
      }),
      { numRuns: 200 },
    );
  });
});
