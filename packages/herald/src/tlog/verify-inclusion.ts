import { hashChildren, hashEquals, isHash, type Hash } from './hash.ts';
import type { InclusionProof } from './proof.ts';
import { isCount } from './tree-size.ts';

/**
 * The root an inclusion proof leads to from `leafHash` (RFC 9162 §2.1.3.2), or `undefined` when
 * the proof cannot be valid for any root (index not below the size, wrong length, bad hash).
 * Pure: reads nothing but its arguments. Use {@link verifyInclusion} to compare with a root.
 */
export function rootFromInclusionProof(proof: InclusionProof, leafHash: Hash): Hash | undefined {
  const { leafIndex, treeSize, path } = proof;
  // §2.1.3.2 step 1: leaf_index must be below tree_size.
  if (!isCount(leafIndex) || !isCount(treeSize) || leafIndex >= treeSize || !isHash(leafHash)) {
    return undefined;
  }
  let fn: number = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of path) {
    if (!isHash(p) || sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      // p is a left sibling (or fn is the last node of its level, whose sibling is further up).
      r = hashChildren(p, r);
      // Skip the levels where fn was promoted unchanged because it had no right sibling.
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // §2.1.3.2: a path that is too short or too long leaves sn non-zero.
  return sn === 0 ? r : undefined;
}

/**
 * Whether `proof` shows that `leafHash` is the leaf at `proof.leafIndex` of the tree of
 * `proof.treeSize` leaves whose root is `root` (RFC 9162 §2.1.3.2). Never throws.
 */
export function verifyInclusion(proof: InclusionProof, leafHash: Hash, root: Hash): boolean {
  const computed = rootFromInclusionProof(proof, leafHash);
  return computed !== undefined && isHash(root) && hashEquals(computed, root);
}
