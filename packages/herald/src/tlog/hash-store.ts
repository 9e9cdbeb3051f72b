import type { Hash } from './hash.ts';
import type { NodeId } from './node-id.ts';
import type { TreeSize } from './tree-size.ts';

/** Options every `HashStore` method takes (STYLE: every async port method takes a signal). */
export interface HashStoreOptions {
  readonly signal?: AbortSignal;
}

/** One perfect subtree hash to persist. */
export interface StoredNode {
  readonly id: NodeId;
  readonly hash: Hash;
}

/** What one append writes: the new nodes and the size move they belong to. */
export interface HashStoreAppend {
  /** The size the writer read before computing `nodes`; the store must still be at this size. */
  readonly fromSize: TreeSize;
  /** The size after the append (`fromSize` + number of new leaves). */
  readonly toSize: TreeSize;
  /**
   * Every perfect subtree completed between `fromSize` and `toSize`, leaves (level 0) included:
   * at each level, the indexes `[floor(fromSize / 2^level), floor(toSize / 2^level))`.
   */
  readonly nodes: readonly StoredNode[];
}

/**
 * The storage port of a Merkle log: perfect-subtree hashes keyed by (level, index) plus the
 * committed leaf count, like Trillian's subtree storage or Tessera's tiles. Nodes are immutable
 * once written, so readers never need locks and caches never go stale.
 *
 * The SQL implementation (`sql-hash-store.ts`) is two tables: the nodes grouped into tiles of
 * 256 hashes (`tile.ts`), and `tlog_heads(log_id PRIMARY KEY, size)`, with `append` in one
 * transaction: `UPDATE tlog_heads SET size = :toSize WHERE log_id = :log AND size = :fromSize`
 * (0 rows updated means a conflict) then an upsert of each tile the new nodes fall in.
 *
 * Every implementation runs the contract suite in `testing/hash-store-contract.ts`.
 */
export interface HashStore {
  /** The committed number of leaves. */
  size(opts?: HashStoreOptions): Promise<TreeSize>;

  /**
   * The hashes of the given nodes, in the order asked. Callers ask for O(log n) nodes at a time;
   * an SQL implementation should fetch them in one round trip. Throws
   * `HERALD_ERR_TLOG_MISSING_NODE` when a node was never written.
   */
  getNodes(ids: readonly NodeId[], opts?: HashStoreOptions): Promise<Hash[]>;

  /**
   * Atomically writes `nodes` and moves the size from `fromSize` to `toSize`. When the stored size
   * is not `fromSize` (another sequencer won the race) it writes nothing and throws
   * `HERALD_ERR_TLOG_SIZE_CONFLICT`.
   */
  append(batch: HashStoreAppend, opts?: HashStoreOptions): Promise<void>;
}
