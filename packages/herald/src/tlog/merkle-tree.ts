import { HeraldError } from '../errors/index.ts';
import { CompactRange } from './compact-range.ts';
import { hashLeaf, isHash, type Hash } from './hash.ts';
import type { HashStore, HashStoreOptions, StoredNode } from './hash-store.ts';
import type { NodeId } from './node-id.ts';
import type { ConsistencyProof, InclusionProof } from './proof.ts';
import { consistencyPlan, foldSubtrees, inclusionPlan, rootPlan } from './proof-plan.ts';
import { leafIndex, treeSize, type LeafIndex, type TreeSize } from './tree-size.ts';

/** The outcome of one append: where the batch landed and the tree it produced. */
export interface AppendResult {
  /** Index of the first appended leaf (the size before the append). */
  readonly firstIndex: LeafIndex;
  /** The size after the append. */
  readonly size: TreeSize;
  /** `MTH` of the tree after the append, ready to go into a checkpoint. */
  readonly root: Hash;
}

/** A tree size and its root: what a checkpoint commits to. */
export interface TreeHead {
  readonly size: TreeSize;
  readonly root: Hash;
}

/**
 * An RFC 9162 Merkle log over a {@link HashStore}. It reads and writes only perfect-subtree
 * hashes, so:
 *
 * - `append` of b leaves reads the O(log n) frontier and writes b leaves plus the subtrees they
 *   complete (fewer than 2b + log2 n nodes), in one `HashStore.append`;
 * - `root`, `inclusionProof` and `consistencyProof` read the size and then fewer than 2·log2 n
 *   nodes in one `getNodes` call.
 *
 * Appends through one `MerkleTree` are serialised; appends from elsewhere (another process) are
 * caught by the store's size check (`HERALD_ERR_TLOG_SIZE_CONFLICT`), so run one sequencer per log.
 */
export class MerkleTree {
  readonly #store: HashStore;
  #appending: Promise<unknown> = Promise.resolve();

  constructor(store: HashStore) {
    this.#store = store;
  }

  /** The committed number of leaves. */
  size(opts: HashStoreOptions = {}): Promise<TreeSize> {
    return this.#store.size(opts);
  }

  /** The current size and root. */
  async head(opts: HashStoreOptions = {}): Promise<TreeHead> {
    const size = await this.#store.size(opts);
    return { size, root: await this.#fold(rootPlan(size), opts) };
  }

  /** Hashes each leaf (RFC 9162 §2.1.1, `SHA-256(0x00 || data)`) and appends the batch in order. */
  append(leaves: readonly Uint8Array[], opts: HashStoreOptions = {}): Promise<AppendResult> {
    return this.#enqueue(leaves.map(hashLeaf), opts);
  }

  /**
   * Appends leaves already hashed with {@link hashLeaf} (e.g. a journal record's leaf hash that
   * must outlive the record, DESIGN decision 8). Resolves once the store has committed them.
   */
  appendLeafHashes(leafHashes: readonly Hash[], opts: HashStoreOptions = {}): Promise<AppendResult> {
    if (!leafHashes.every(isHash)) {
      return Promise.reject(
        new HeraldError('HERALD_ERR_TLOG_INVALID_ARGUMENT', { detail: 'a leaf hash must be 32 bytes' }),
      );
    }
    // Copied, so a caller that reuses its buffers while the append waits cannot change it.
    return this.#enqueue(
      leafHashes.map((h) => Uint8Array.from(h)),
      opts,
    );
  }

  /** Runs appends one after another, so two appends through this tree never race each other. */
  #enqueue(leafHashes: readonly Hash[], opts: HashStoreOptions): Promise<AppendResult> {
    const run = this.#appending.then(() => this.#append(leafHashes, opts));
    this.#appending = run.catch(() => undefined);
    return run;
  }

  async #append(leafHashes: readonly Hash[], opts: HashStoreOptions): Promise<AppendResult> {
    opts.signal?.throwIfAborted();
    const fromSize = await this.#store.size(opts);
    const range = new CompactRange(fromSize, await this.#read(rootPlan(fromSize), opts));
    if (leafHashes.length > 0) {
      const nodes: StoredNode[] = [];
      for (const h of leafHashes) range.append(h, (id, hash) => nodes.push({ id, hash }));
      await this.#store.append({ fromSize, toSize: range.size, nodes }, opts);
    }
    return { firstIndex: leafIndex(fromSize), size: range.size, root: range.root() };
  }

  /** `MTH(D[size])`: the root of the first `size` leaves, for any size up to the current one. */
  async root(size: TreeSize, opts: HashStoreOptions = {}): Promise<Hash> {
    await this.#within(treeSize(size), 'tree size', opts);
    return this.#fold(rootPlan(size), opts);
  }

  /** The stored leaf hash at `index`. */
  async leafHash(index: LeafIndex, opts: HashStoreOptions = {}): Promise<Hash> {
    await this.#within(leafIndex(index) + 1, 'leaf index', opts);
    const [h] = await this.#read([{ level: 0, index }], opts);
    return h!;
  }

  /** `PATH(index, D[size])` (RFC 9162 §2.1.3.1); needs `index < size <= current size`. */
  async inclusionProof(
    index: LeafIndex,
    size: TreeSize,
    opts: HashStoreOptions = {},
  ): Promise<InclusionProof> {
    if (leafIndex(index) >= treeSize(size)) {
      throw new HeraldError('HERALD_ERR_TLOG_BEYOND_SIZE', { what: 'leaf index', value: index, size });
    }
    await this.#within(size, 'tree size', opts);
    const path = await this.#foldGroups(inclusionPlan(index, size), opts);
    return { leafIndex: index, treeSize: size, path };
  }

  /** `PROOF(size1, D[size2])` (RFC 9162 §2.1.4.1); needs `size1 <= size2 <= current size`. */
  async consistencyProof(
    size1: TreeSize,
    size2: TreeSize,
    opts: HashStoreOptions = {},
  ): Promise<ConsistencyProof> {
    if (treeSize(size1) > treeSize(size2)) {
      throw new HeraldError('HERALD_ERR_TLOG_BEYOND_SIZE', {
        what: 'first tree size',
        value: size1,
        size: size2,
      });
    }
    await this.#within(size2, 'tree size', opts);
    const path = await this.#foldGroups(consistencyPlan(size1, size2), opts);
    return { size1, size2, path };
  }

  /** Throws `HERALD_ERR_TLOG_BEYOND_SIZE` unless the log holds at least `needed` leaves. */
  async #within(needed: number, what: string, opts: HashStoreOptions): Promise<void> {
    const size = await this.#store.size(opts);
    if (needed > size) {
      const value = what === 'leaf index' ? needed - 1 : needed;
      throw new HeraldError('HERALD_ERR_TLOG_BEYOND_SIZE', { what, value, size });
    }
  }

  async #fold(ids: readonly NodeId[], opts: HashStoreOptions): Promise<Hash> {
    return foldSubtrees(await this.#read(ids, opts));
  }

  /** Reads every group's nodes in one store call, then folds each group into one proof hash. */
  async #foldGroups(groups: readonly NodeId[][], opts: HashStoreOptions): Promise<Hash[]> {
    const hashes = await this.#read(groups.flat(), opts);
    let at = 0;
    return groups.map((g) => foldSubtrees(hashes.slice(at, (at += g.length))));
  }

  async #read(ids: readonly NodeId[], opts: HashStoreOptions): Promise<Hash[]> {
    if (ids.length === 0) return [];
    const hashes = await this.#store.getNodes(ids, opts);
    // A store that returns the wrong shape would otherwise yield proofs that silently fail.
    const bad = ids.findIndex((_, i) => !isHash(hashes[i]));
    if (bad >= 0 || hashes.length !== ids.length) {
      const id = ids[Math.max(bad, 0)]!;
      throw new HeraldError('HERALD_ERR_TLOG_MISSING_NODE', { level: id.level, index: id.index });
    }
    return hashes;
  }
}
