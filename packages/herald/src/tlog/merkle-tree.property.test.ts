// Property-based tests (fast-check): the store-backed tree and the standalone verifiers against
// the literal RFC 9162 §2.1 recursion in testing/naive-merkle.ts, for random sizes and splits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hashEquals, hashLeaf, type Hash } from './hash.ts';
import { MemoryHashStore } from './memory-hash-store.ts';
import { MerkleTree } from './merkle-tree.ts';
import { naiveConsistency, naivePath, naiveRoot } from './testing/naive-merkle.ts';
import { leafIndex, treeSize } from './tree-size.ts';
import { verifyConsistency } from './verify-consistency.ts';
import { verifyInclusion } from './verify-inclusion.ts';

const MAX = 3000;
const data = Array.from({ length: MAX }, (_, i) => new TextEncoder().encode(`leaf-${i}`));
const leafHashes = data.map(hashLeaf);
const naiveRoots = new Map<number, Hash>();
const rootOf = (n: number): Hash => {
  let r = naiveRoots.get(n);
  if (r === undefined) naiveRoots.set(n, (r = naiveRoot(data.slice(0, n))));
  return r;
};

/** A tree of the first `n` leaves, appended in batches cut at `cuts` (fractions of n). */
async function build(n: number, cuts: readonly number[]): Promise<MerkleTree> {
  const tree = new MerkleTree(new MemoryHashStore());
  const points = [...new Set(cuts.map((c) => Math.floor(c * n)))].sort((a, b) => a - b);
  let at = 0;
  for (const p of [...points, n]) {
    await tree.appendLeafHashes(leafHashes.slice(at, p));
    at = Math.max(at, p);
  }
  return tree;
}

const sameHashes = (a: readonly Hash[], b: readonly Hash[]): boolean =>
  a.length === b.length && a.every((h, i) => hashEquals(h, b[i]!));

const cutsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 });
// Mostly small trees (where edge cases live), sometimes up to MAX leaves.
const sizeArb = fc.oneof(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: MAX }));

void describe('MerkleTree matches the RFC 9162 definitions (property-based)', () => {
  void it('has MTH(D[m]) as its root at every size m it has seen', async () => {
    await fc.assert(
      fc.asyncProperty(sizeArb, cutsArb, fc.double({ min: 0, max: 1, noNaN: true }), async (n, cuts, f) => {
        const tree = await build(n, cuts);
        const m = Math.floor(f * n);
        assert.ok(hashEquals(await tree.root(treeSize(n)), rootOf(n)));
        assert.ok(hashEquals(await tree.root(treeSize(m)), rootOf(m)));
      }),
      { numRuns: 60 },
    );
  });

  void it('gives PATH(m, D[n]) as the inclusion proof, and it verifies', async () => {
    await fc.assert(
      fc.asyncProperty(
        sizeArb.filter((n) => n > 0),
        cutsArb,
        fc.nat(),
        fc.nat(),
        async (total, cuts, a, b) => {
          const tree = await build(total, cuts);
          const n = 1 + (a % total);
          const m = b % n;
          const proof = await tree.inclusionProof(leafIndex(m), treeSize(n));
          assert.ok(sameHashes(proof.path, naivePath(m, data.slice(0, n))));
          assert.ok(verifyInclusion(proof, leafHashes[m]!, rootOf(n)));
        },
      ),
      { numRuns: 80 },
    );
  });

  void it('gives PROOF(m, D[n]) as the consistency proof, and it verifies', async () => {
    await fc.assert(
      fc.asyncProperty(sizeArb, cutsArb, fc.nat(), fc.nat(), async (total, cuts, a, b) => {
        const tree = await build(total, cuts);
        const n = a % (total + 1);
        const m = b % (n + 1);
        const proof = await tree.consistencyProof(treeSize(m), treeSize(n));
        assert.ok(sameHashes(proof.path, naiveConsistency(m, data.slice(0, n))));
        assert.ok(verifyConsistency(proof, rootOf(m), rootOf(n)));
      }),
      { numRuns: 80 },
    );
  });
});

// Tampering: the verifiers must accept exactly the honest proof for the claimed parameters, so
// after any change they answer true only if the change happens to give another honest proof.
const N = 200;
const flipBit = (h: Hash, bit: number): Hash => {
  const c = Uint8Array.from(h);
  c[(bit >> 3) % 32]! ^= 1 << (bit & 7);
  return c;
};
const pathEdit = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(255) }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extra' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('none' as const) }),
);
type PathEdit = typeof pathEdit extends fc.Arbitrary<infer T> ? T : never;

function edit(path: readonly Hash[], e: PathEdit): Hash[] {
  const p = [...path];
  const i = 'at' in e && p.length > 0 ? e.at % p.length : 0;
  if (e.kind === 'flip' && p.length > 0) p[i] = flipBit(p[i]!, e.bit);
  if (e.kind === 'drop' && p.length > 0) p.splice(i, 1);
  if (e.kind === 'extra') p.splice(i, 0, leafHashes[e.at % N]!);
  if (e.kind === 'swap' && p.length > 0) [p[i], p[e.with % p.length]] = [p[e.with % p.length]!, p[i]!];
  return p;
}

void describe('tampered proofs fail (property-based)', () => {
  void it('rejects an inclusion proof with a changed path, leaf, index, size or root', async () => {
    const tree = await build(N, []);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: N }),
        fc.nat(),
        pathEdit,
        fc.record({
          index: fc.nat(N),
          size: fc.integer({ min: 1, max: N }),
          leafBit: fc.option(fc.nat(255)),
        }),
        async (n, a, e, claim) => {
          const m = a % n;
          const honest = await tree.inclusionProof(leafIndex(m), treeSize(n));
          const path = edit(honest.path, e);
          const index = claim.index % claim.size;
          const leaf = claim.leafBit === null ? leafHashes[m]! : flipBit(leafHashes[m]!, claim.leafBit);
          const forged = { leafIndex: leafIndex(index), treeSize: treeSize(claim.size), path };
          const expected =
            index === m &&
            claim.leafBit === null &&
            sameHashes(path, naivePath(index, data.slice(0, claim.size)));
          assert.equal(verifyInclusion(forged, leaf, rootOf(claim.size)), expected);
          // The honest root of another size never matches the honest proof.
          if (claim.size !== n)
            assert.equal(verifyInclusion(honest, leafHashes[m]!, rootOf(claim.size)), false);
        },
      ),
      { numRuns: 400 },
    );
  });

  void it('rejects a consistency proof with a changed path, sizes or roots', async () => {
    const tree = await build(N, []);
    await fc.assert(
      fc.asyncProperty(
        fc.nat(N),
        fc.nat(),
        pathEdit,
        fc.record({ size1: fc.nat(N), size2: fc.nat(N), bit: fc.option(fc.nat(255)), which: fc.boolean() }),
        async (n, a, e, claim) => {
          const m = a % (n + 1);
          const honest = await tree.consistencyProof(treeSize(m), treeSize(n));
          const path = edit(honest.path, e);
          const [s1, s2] = [Math.min(claim.size1, claim.size2), Math.max(claim.size1, claim.size2)];
          let [r1, r2] = [rootOf(s1), rootOf(s2)];
          if (claim.bit !== null) {
            if (claim.which) r1 = flipBit(r1, claim.bit);
            else r2 = flipBit(r2, claim.bit);
          }
          const forged = { size1: treeSize(s1), size2: treeSize(s2), path };
          // Every tree extends the empty tree, so for size1 = 0 < size2 root2 is not constrained.
          const rootsHonest = claim.bit === null || (s1 === 0 && s2 > 0 && !claim.which);
          const expected = rootsHonest && sameHashes(path, naiveConsistency(s1, data.slice(0, s2)));
          assert.equal(verifyConsistency(forged, r1, r2), expected);
        },
      ),
      { numRuns: 400 },
    );
  });
});
