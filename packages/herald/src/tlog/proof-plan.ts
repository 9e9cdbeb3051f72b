import { HeraldError } from '../errors/index.ts';
import { emptyRoot, hashChildren, type Hash } from './hash.ts';
import type { NodeId } from './node-id.ts';

// Pure index arithmetic: which perfect subtrees a root or proof is made of. Numbers stay exact up
// to 2^53 - 1, so this avoids 32-bit bitwise operators except where the value is known small.

const TWO_32 = 2 ** 32;

/** floor(log2(n)) for a positive safe integer. */
export function floorLog2(n: number): number {
  return n < TWO_32 ? 31 - Math.clz32(n) : 32 + floorLog2(Math.floor(n / TWO_32));
}

/**
 * The largest power of two strictly less than `n` (n >= 2): the split point `k` of
 * RFC 9162 §2.1.1, `MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n]))`.
 */
export function splitPoint(n: number): number {
  return 2 ** floorLog2(n - 1);
}

/**
 * The perfect subtrees that make up leaves `[begin, end)`, left to right and largest first.
 * `MTH(D[begin:end])` is their right fold ({@link foldSubtrees}). Every range that appears in the
 * RFC 9162 §2.1.1 recursion is aligned this way; an unaligned range throws.
 */
export function perfectSubtrees(begin: number, end: number): NodeId[] {
  const out: NodeId[] = [];
  let pos = begin;
  while (pos < end) {
    const level = floorLog2(end - pos);
    const width = 2 ** level;
    if (pos % width !== 0) {
      throw new HeraldError('HERALD_ERR_TLOG_INVALID_ARGUMENT', {
        detail: `range [${begin}, ${end}) is not aligned to perfect subtrees`,
      });
    }
    out.push({ level, index: pos / width });
    pos += width;
  }
  return out;
}

/**
 * Folds perfect subtree hashes (left to right, as {@link perfectSubtrees} lists them) into the
 * hash of their range: `HASH(0x01 || s0 || HASH(0x01 || s1 || ...))`, because the RFC 9162 §2.1.1
 * split always puts the largest perfect subtree on the left. No hashes is the empty tree.
 */
export function foldSubtrees(hashes: readonly Hash[]): Hash {
  let acc = hashes[hashes.length - 1];
  if (acc === undefined) return emptyRoot();
  for (let i = hashes.length - 2; i >= 0; i--) acc = hashChildren(hashes[i]!, acc);
  return acc;
}

/** The nodes to fold for the root of the first `size` leaves (RFC 9162 §2.1.1). */
export function rootPlan(size: number): NodeId[] {
  return perfectSubtrees(0, size);
}

/**
 * The nodes for `PATH(m, D[n])` (RFC 9162 §2.1.3.1), one group per proof element, leaf side
 * first; each group is folded with {@link foldSubtrees}. Needs `m < n`. At most one group (the
 * right edge) has more than one node, so the plan has fewer than 2·log2(n) nodes.
 */
export function inclusionPlan(m: number, n: number): NodeId[][] {
  const out: NodeId[][] = [];
  let begin = 0;
  let end = n;
  // Walk from the root down; RFC 9162 lists the sibling after the sub-path, so reverse at the end.
  while (end - begin > 1) {
    const k = splitPoint(end - begin);
    if (m < begin + k) {
      // PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])
      out.push(perfectSubtrees(begin + k, end));
      end = begin + k;
    } else {
      // PATH(m, D[n]) = PATH(m - k, D[k:n]) : MTH(D[0:k])
      out.push(perfectSubtrees(begin, begin + k));
      begin += k;
    }
  }
  return out.reverse();
}

/**
 * The nodes for `PROOF(m, D[n]) = SUBPROOF(m, D[n], true)` (RFC 9162 §2.1.4.1), one group per
 * proof element, in proof order. Empty when `m == n` (the RFC's definition) and when `m == 0`
 * (every tree extends the empty tree; there is nothing to prove).
 */
export function consistencyPlan(m: number, n: number): NodeId[][] {
  const out: NodeId[][] = [];
  if (m === 0 || m === n) return out;
  let begin = 0;
  let end = n;
  let whole = true; // the `b` flag: D[0:m] is a complete subtree of the current range's tree
  for (;;) {
    if (m === end) {
      // SUBPROOF(m, D[m], b) = {} if b, else {MTH(D[m])}
      if (!whole) out.push(perfectSubtrees(begin, end));
      break;
    }
    const k = splitPoint(end - begin);
    if (m <= begin + k) {
      // SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
      out.push(perfectSubtrees(begin + k, end));
      end = begin + k;
    } else {
      // SUBPROOF(m, D[n], b) = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
      out.push(perfectSubtrees(begin, begin + k));
      begin += k;
      whole = false;
    }
  }
  return out.reverse();
}
