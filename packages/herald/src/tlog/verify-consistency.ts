import { emptyRoot, hashChildren, hashEquals, isHash, type Hash } from './hash.ts';
import type { ConsistencyProof } from './proof.ts';
import { isCount } from './tree-size.ts';

function isPowerOfTwo(n: number): boolean {
  let x = n;
  while (x > 1 && x % 2 === 0) x /= 2;
  return x === 1;
}

/**
 * Whether `proof` shows that the tree of `proof.size2` leaves with root `root2` extends the tree
 * of `proof.size1` leaves with root `root1` (RFC 9162 §2.1.4.2). Pure; never throws.
 *
 * Edge cases the RFC algorithm leaves to the caller: equal sizes need an empty proof and equal
 * roots; size 0 needs an empty proof and `root1` equal to the empty-tree root.
 */
export function verifyConsistency(proof: ConsistencyProof, root1: Hash, root2: Hash): boolean {
  const { size1: first, size2: second, path } = proof;
  if (!isCount(first) || !isCount(second) || first > second) return false;
  if (!isHash(root1) || !isHash(root2) || !path.every(isHash)) return false;
  if (first === second) return path.length === 0 && hashEquals(root1, root2);
  if (first === 0) return path.length === 0 && hashEquals(root1, emptyRoot());
  // §2.1.4.2 step 1: an empty consistency_path fails.
  if (path.length === 0) return false;
  // Step 2: when the old tree is a perfect subtree, its root is the first element of the walk.
  const walk = isPowerOfTwo(first) ? [root1, ...path] : [...path];
  // Step 3-4.
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  // Step 5.
  let fr = walk[0]!;
  let sr = fr;
  // Step 6.
  for (const c of walk.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // Step 7.
  return hashEquals(fr, root1) && hashEquals(sr, root2) && sn === 0;
}
