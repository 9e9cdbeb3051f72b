import type { Hash } from './hash.ts';
import type { LeafIndex, TreeSize } from './tree-size.ts';

/**
 * An inclusion proof, `PATH(leafIndex, D[treeSize])` (RFC 9162 §2.1.3.1): sibling hashes from the
 * leaf up to the root. It shows that the leaf is at `leafIndex` in the tree with that size.
 */
export interface InclusionProof {
  readonly leafIndex: LeafIndex;
  readonly treeSize: TreeSize;
  readonly path: readonly Hash[];
}

/**
 * A consistency proof, `PROOF(size1, D[size2])` (RFC 9162 §2.1.4.1): it shows that the tree of
 * `size2` leaves starts with the tree of `size1` leaves, i.e. nothing was rewritten.
 */
export interface ConsistencyProof {
  readonly size1: TreeSize;
  readonly size2: TreeSize;
  readonly path: readonly Hash[];
}
