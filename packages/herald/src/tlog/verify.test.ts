import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyRoot, hashLeaf } from './hash.ts';
import { leafIndex, treeSize } from './tree-size.ts';
import { verifyConsistency } from './verify-consistency.ts';
import { rootFromInclusionProof, verifyInclusion } from './verify-inclusion.ts';

const leaf = hashLeaf(Uint8Array.of(1));

void describe('standalone proof verifiers', () => {
  void it('accept a one-leaf tree with an empty path, whose root is the leaf hash', () => {
    assert.ok(verifyInclusion({ leafIndex: leafIndex(0), treeSize: treeSize(1), path: [] }, leaf, leaf));
  });

  void it('refuse an index at or beyond the size, and nonsense numbers, without throwing', () => {
    const p = (leafIndexN: number, treeSizeN: number) =>
      ({ leafIndex: leafIndexN, treeSize: treeSizeN, path: [] }) as never;
    assert.equal(rootFromInclusionProof(p(1, 1), leaf), undefined);
    assert.equal(rootFromInclusionProof(p(0, 0), leaf), undefined);
    assert.equal(rootFromInclusionProof(p(-1, 1), leaf), undefined);
    assert.equal(rootFromInclusionProof(p(0.5, 1), leaf), undefined);
    assert.equal(rootFromInclusionProof(p(0, 2 ** 60), leaf), undefined);
    assert.equal(verifyInclusion(p(0, 1), new Uint8Array(31), leaf), false);
    assert.equal(verifyInclusion(p(0, 1), leaf, new Uint8Array(33)), false);
    const bad = { leafIndex: leafIndex(0), treeSize: treeSize(2), path: [new Uint8Array(5)] };
    assert.equal(verifyInclusion(bad, leaf, leaf), false);
  });

  void it('treat equal sizes as consistent only with an empty proof and equal roots', () => {
    const same = { size1: treeSize(3), size2: treeSize(3), path: [] };
    assert.ok(verifyConsistency(same, leaf, leaf));
    assert.equal(verifyConsistency(same, leaf, emptyRoot()), false);
    assert.equal(verifyConsistency({ ...same, path: [leaf] }, leaf, leaf), false);
  });

  void it('treat every tree as an extension of the empty tree, given its real root', () => {
    const fromEmpty = { size1: treeSize(0), size2: treeSize(5), path: [] };
    assert.ok(verifyConsistency(fromEmpty, emptyRoot(), leaf));
    assert.equal(verifyConsistency(fromEmpty, leaf, leaf), false);
    assert.equal(verifyConsistency({ ...fromEmpty, path: [leaf] }, emptyRoot(), leaf), false);
  });

  void it('refuse shrinking trees and empty proofs between different sizes', () => {
    assert.equal(
      verifyConsistency({ size1: treeSize(5), size2: treeSize(4), path: [leaf] }, leaf, leaf),
      false,
    );
    assert.equal(verifyConsistency({ size1: treeSize(3), size2: treeSize(4), path: [] }, leaf, leaf), false);
  });
});
