import { HeraldError } from '../errors/index.ts';
import { hashChildren, isHash, type Hash } from './hash.ts';
import type { NodeId } from './node-id.ts';
import { foldSubtrees, perfectSubtrees } from './proof-plan.ts';
import { treeSize, type TreeSize } from './tree-size.ts';

/** Called for every perfect subtree an append completes, leaves included. */
export type NodeVisitor = (id: NodeId, hash: Hash) => void;

/**
 * The right frontier of a growing tree: the hashes of the perfect subtrees that make up its
 * first `size` leaves (one per set bit of `size`, largest first). That is all the state needed to
 * append leaves and compute the root (RFC 9162 §2.1.1) without reading anything else, which is
 * how appends cost O(batch + log n) node writes.
 */
export class CompactRange {
  #size: number;
  readonly #frontier: Hash[];

  /**
   * @param size leaves already in the tree
   * @param frontier hashes of `perfectSubtrees(0, size)`, in that order
   */
  constructor(size: TreeSize = treeSize(0), frontier: readonly Hash[] = []) {
    const expected = perfectSubtrees(0, size).length;
    if (frontier.length !== expected || !frontier.every(isHash)) {
      throw new HeraldError('HERALD_ERR_TLOG_INVALID_ARGUMENT', {
        detail: `a frontier for size ${size} needs ${expected} hashes of 32 bytes`,
      });
    }
    this.#size = size;
    this.#frontier = [...frontier];
  }

  /** How many leaves the range covers. */
  get size(): TreeSize {
    return this.#size as TreeSize;
  }

  /** The frontier hashes, largest subtree first. */
  frontier(): readonly Hash[] {
    return [...this.#frontier];
  }

  /**
   * Appends one leaf hash. `visit` sees the leaf node and every subtree it completes: appending
   * leaf `i` completes one node per trailing one-bit of `i`.
   */
  append(leafHash: Hash, visit?: NodeVisitor): void {
    if (!isHash(leafHash)) {
      throw new HeraldError('HERALD_ERR_TLOG_INVALID_ARGUMENT', { detail: 'a leaf hash must be 32 bytes' });
    }
    const index = this.#size;
    let hash = leafHash;
    let level = 0;
    visit?.({ level, index }, hash);
    // Each trailing one-bit of the old size is a left sibling of the same width waiting on the
    // frontier; merging with it completes the parent (RFC 9162 §2.1.1 node hash).
    for (let s = index; s % 2 === 1; s = (s - 1) / 2) {
      hash = hashChildren(this.#frontier.pop()!, hash);
      level++;
      visit?.({ level, index: Math.floor(index / 2 ** level) }, hash);
    }
    this.#frontier.push(hash);
    this.#size = index + 1;
  }

  /** `MTH` of the covered leaves (RFC 9162 §2.1.1). */
  root(): Hash {
    return foldSubtrees(this.#frontier);
  }
}
