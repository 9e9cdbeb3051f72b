// The tree store as it was before migration 0011 (one row per perfect-subtree node), kept only
// so the journal benchmark can measure tiles against it in the same run. SQLite only, on the raw
// better-sqlite3 handle: the old store went through Kysely, so this copy costs it less than it
// did, and the ratio printed for tiles errs against them.
import type { HashStore, HashStoreAppend } from '../../packages/herald/src/tlog/hash-store.ts';
import type { Hash } from '../../packages/herald/src/tlog/hash.ts';
import type { NodeId } from '../../packages/herald/src/tlog/node-id.ts';
import { treeSize, type TreeSize } from '../../packages/herald/src/tlog/tree-size.ts';

/** The subset of better-sqlite3 this file uses. */
export interface SqliteHandle {
  exec(sql: string): unknown;
  prepare(sql: string): {
    run(...params: unknown[]): unknown;
    all(...params: unknown[]): unknown[];
    get(...params: unknown[]): unknown;
  };
}

const ROWS = 64;
const insert = (rows: number): string =>
  `insert into bench_nodes (log_id, level, idx, hash) values ${Array(rows).fill('(?, ?, ?, ?)').join(', ')}`;
const lookup = (count: number): string =>
  `select level, idx, hash from (values ${Array(count).fill('(?, ?)').join(', ')}) as v join bench_nodes on log_id = ? and level = v.column1 and idx = v.column2`;

/**
 * A HashStore with one row per node, as the old SqlHashStore (fixed 64-row inserts, one join per
 * proof lookup). Appends must run inside a transaction the caller opened on the same handle.
 */
export class NodeRowStore implements HashStore {
  readonly #db: SqliteHandle;
  readonly #logId: string;
  readonly #lookups = new Map<number, ReturnType<SqliteHandle['prepare']>>();

  constructor(db: SqliteHandle, logId: string) {
    this.#db = db;
    this.#logId = logId;
    db.exec(
      'create table if not exists bench_nodes (log_id text not null, level integer not null, idx bigint not null, hash blob not null, primary key (log_id, level, idx))',
    );
    db.exec('create table if not exists bench_heads (log_id text primary key, size bigint not null)');
  }

  size(): Promise<TreeSize> {
    const row = this.#db.prepare('select size from bench_heads where log_id = ?').get(this.#logId) as
      { size: number } | undefined;
    return Promise.resolve(treeSize(row === undefined ? 0 : Number(row.size)));
  }

  getNodes(ids: readonly NodeId[]): Promise<Hash[]> {
    if (ids.length === 0) return Promise.resolve([]);
    let stmt = this.#lookups.get(ids.length);
    if (stmt === undefined) this.#lookups.set(ids.length, (stmt = this.#db.prepare(lookup(ids.length))));
    const rows = stmt.all(...ids.flatMap((id) => [id.level, id.index]), this.#logId) as Array<{
      level: number;
      idx: number;
      hash: Uint8Array;
    }>;
    const byKey = new Map(rows.map((r) => [`${r.level}/${r.idx}`, r.hash]));
    return Promise.resolve(ids.map(({ level, index }) => Uint8Array.from(byKey.get(`${level}/${index}`)!)));
  }

  append({ toSize, nodes }: HashStoreAppend): Promise<void> {
    this.#db
      .prepare('insert or replace into bench_heads (log_id, size) values (?, ?)')
      .run(this.#logId, toSize);
    const many = this.#db.prepare(insert(ROWS));
    const one = this.#db.prepare(insert(1));
    let i = 0;
    for (; i + ROWS <= nodes.length; i += ROWS) {
      const params: unknown[] = [];
      for (let k = i; k < i + ROWS; k++) {
        const { id, hash } = nodes[k]!;
        params.push(this.#logId, id.level, id.index, hash);
      }
      many.run(...params);
    }
    for (; i < nodes.length; i++) {
      const { id, hash } = nodes[i]!;
      one.run(this.#logId, id.level, id.index, hash);
    }
    return Promise.resolve();
  }
}
