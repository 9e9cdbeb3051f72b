import { HeraldError } from '../errors/index.ts';
import { HASH_SIZE, isHash, type Hash } from './hash.ts';
import type { HashStore, HashStoreAppend, HashStoreOptions } from './hash-store.ts';
import type { NodeId } from './node-id.ts';
import { treeSize, type TreeSize } from './tree-size.ts';

/** One level of the tree: `count` hashes packed into one growable buffer. */
interface Level {
  bytes: Uint8Array;
  count: number;
}

/**
 * A {@link HashStore} in memory, for tests, benchmarks and short-lived logs. Hashes are packed
 * 32 bytes apiece in one buffer per level (about 64 bytes per leaf in total), so a million-leaf
 * tree takes about 64 MB rather than millions of small objects.
 *
 * It also checks what a database cannot cheaply check: each append must fill exactly the nodes
 * the size move completes, so a broken writer is caught here in tests.
 */
export class MemoryHashStore implements HashStore {
  #size = 0;
  readonly #levels: Level[] = [];

  async size(opts: HashStoreOptions = {}): Promise<TreeSize> {
    opts.signal?.throwIfAborted();
    return this.#size as TreeSize;
  }

  async getNodes(ids: readonly NodeId[], opts: HashStoreOptions = {}): Promise<Hash[]> {
    opts.signal?.throwIfAborted();
    const out: Hash[] = [];
    for (const { level, index } of ids) {
      const row = this.#levels[level];
      if (row === undefined || !Number.isSafeInteger(index) || index < 0 || index >= row.count) {
        throw new HeraldError('HERALD_ERR_TLOG_MISSING_NODE', { level, index });
      }
      // A copy, so callers cannot corrupt the store by mutating a result.
      out.push(row.bytes.slice(index * HASH_SIZE, (index + 1) * HASH_SIZE));
    }
    return out;
  }

  async append(batch: HashStoreAppend, opts: HashStoreOptions = {}): Promise<void> {
    opts.signal?.throwIfAborted();
    const { fromSize, toSize, nodes } = batch;
    if (fromSize !== this.#size) {
      throw new HeraldError('HERALD_ERR_TLOG_SIZE_CONFLICT', { expected: fromSize, actual: this.#size });
    }
    // Checked in full first, and no await until the end, so a bad batch leaves the store untouched
    // (the atomicity SQL gets from its transaction).
    this.#check(batch);
    for (const { id, hash } of nodes) {
      const row = this.#level(id.level);
      if (row.bytes.length < (row.count + 1) * HASH_SIZE) {
        const grown = new Uint8Array(Math.max(row.bytes.length * 2, 64 * HASH_SIZE));
        grown.set(row.bytes.subarray(0, row.count * HASH_SIZE));
        row.bytes = grown;
      }
      row.bytes.set(hash, row.count * HASH_SIZE);
      row.count++;
    }
    this.#size = treeSize(toSize);
  }

  /** Nodes must arrive in index order per level and fill exactly the range the size move completes. */
  #check({ fromSize, toSize, nodes }: HashStoreAppend): void {
    const bad = (detail: string): HeraldError =>
      new HeraldError('HERALD_ERR_TLOG_INVALID_ARGUMENT', { detail });
    if (!Number.isSafeInteger(toSize) || toSize < fromSize) throw bad('toSize must not be below fromSize');
    const next = new Map<number, number>();
    for (const { id, hash } of nodes) {
      if (!isHash(hash)) throw bad('a node hash must be 32 bytes');
      const want = next.get(id.level) ?? Math.floor(fromSize / 2 ** id.level);
      if (id.index !== want || want >= Math.floor(toSize / 2 ** id.level)) {
        throw bad(`node ${id.level}/${id.index} is not completed by this append`);
      }
      next.set(id.level, want + 1);
    }
    for (let level = 0, w = 1; w <= toSize; level++, w *= 2) {
      const want = Math.floor(toSize / w);
      const have = next.get(level) ?? Math.floor(fromSize / w);
      if (have !== want) throw bad(`level ${level} must end at index ${want}, not ${have}`);
    }
  }

  #level(level: number): Level {
    let row = this.#levels[level];
    if (row === undefined) {
      while (this.#levels.length <= level) this.#levels.push({ bytes: new Uint8Array(0), count: 0 });
      row = this.#levels[level]!;
    }
    return row;
  }
}
