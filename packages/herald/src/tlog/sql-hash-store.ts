import { CompiledQuery, sql, type Kysely, type Transaction } from 'kysely';
import { HeraldError } from '../errors/index.ts';
import type { Hash } from './hash.ts';
import type { HashStore, HashStoreAppend, HashStoreOptions } from './hash-store.ts';
import type { NodeId } from './node-id.ts';
import { treeSize, type TreeSize } from './tree-size.ts';

/**
 * The two tables a {@link SqlHashStore} needs, declared here so `tlog` does not import `storage`
 * (dependencies point inward); `storage/schema.ts` lists the same tables in its `Database`.
 */
export interface TlogTables {
  /** Perfect-subtree hashes: node `(level, idx)` of log `log_id` (see `node-id.ts`). */
  tlog_nodes: { log_id: string; level: number; idx: number; hash: Uint8Array };
  /** The committed leaf count of each log. */
  tlog_heads: { log_id: string; size: number };
}

/** The SQL dialects the store speaks; the same names as `storage/connect.ts`. */
export type SqlHashStoreDialect = 'sqlite' | 'postgres';

// SQLite inserts in statements of a fixed number of rows: the text never changes, so each is
// parsed once and then served from the prepared-statement cache, while one statement still
// carries many rows (one call into SQLite instead of one per node).
const SQLITE_ROWS = 64;
const sqliteInsert = (rows: number): string =>
  `insert into "tlog_nodes" ("log_id", "level", "idx", "hash") values ${Array(rows).fill('(?, ?, ?, ?)').join(', ')}`;
const SQLITE_INSERT_ONE = sqliteInsert(1);
const SQLITE_INSERT_MANY = sqliteInsert(SQLITE_ROWS);
// The node lookup of a proof, per number of keys (a proof needs fewer than 2·log2 n).
const getNodesSql = new Map<number, string>();
const sqliteGetNodes = (count: number): string => {
  let text = getNodesSql.get(count);
  if (text === undefined) {
    text = `select "level", "idx", "hash" from (values ${Array(count).fill('(?, ?)').join(', ')}) as v join "tlog_nodes" on "log_id" = ? and "level" = v.column1 and "idx" = v.column2`;
    if (getNodesSql.size < 256) getNodesSql.set(count, text);
  }
  return text;
};
const PG_GET_NODES =
  'select n.level, n.idx, n.hash from unnest($2::int[], $3::bigint[]) as v(l, i) join tlog_nodes n on n.log_id = $1 and n.level = v.l and n.idx = v.i';
// PostgreSQL allows 65535 bind parameters per statement; 4 per node.
const PG_CHUNK = 8192;

/**
 * A {@link HashStore} in two SQL tables, shared by every log in the database (rows keyed by
 * `log_id`). Given a `Transaction`, it works inside it, so a sequencer can append nodes and
 * mark the leaves it integrated in one commit; given a `Kysely`, `append` opens its own.
 *
 * `append` moves the head with an optimistic `UPDATE ... WHERE size = :fromSize`: when another
 * writer moved it first, no row changes and it throws `HERALD_ERR_TLOG_SIZE_CONFLICT`, and the
 * enclosing transaction (which the caller then rolls back) has written nothing that counts.
 *
 * @param db a Kysely handle (or transaction) whose database has the {@link TlogTables}
 */
export class SqlHashStore<DB extends TlogTables = TlogTables> implements HashStore {
  readonly #db: Kysely<TlogTables>;
  readonly #dialect: SqlHashStoreDialect;
  readonly #logId: string;

  constructor(db: Kysely<DB>, dialect: SqlHashStoreDialect, logId: string) {
    this.#db = narrow(db);
    this.#dialect = dialect;
    this.#logId = logId;
  }

  async size(opts: HashStoreOptions = {}): Promise<TreeSize> {
    opts.signal?.throwIfAborted();
    return readSize(this.#db, this.#logId);
  }

  async getNodes(ids: readonly NodeId[], opts: HashStoreOptions = {}): Promise<Hash[]> {
    opts.signal?.throwIfAborted();
    if (ids.length === 0) return [];
    // One round trip for the O(log n) nodes of a proof, as a join of the wanted keys with the
    // primary key (point lookups on both dialects). The text depends only on the number of keys,
    // so SQLite parses each shape once and serves it from the prepared-statement cache; building
    // the query with the query builder cost more than running it.
    const { rows } = await this.#db.executeQuery<{ level: number; idx: number; hash: Uint8Array }>(
      this.#dialect === 'sqlite'
        ? CompiledQuery.raw(sqliteGetNodes(ids.length), [
            ...ids.flatMap((id) => [id.level, id.index]),
            this.#logId,
          ])
        : CompiledQuery.raw(PG_GET_NODES, [
            this.#logId,
            ids.map((id) => id.level),
            ids.map((id) => id.index),
          ]),
    );
    const byKey = new Map(rows.map((r) => [`${Number(r.level)}/${Number(r.idx)}`, r.hash]));
    return ids.map(({ level, index }) => {
      const hash = byKey.get(`${level}/${index}`);
      if (hash === undefined) throw new HeraldError('HERALD_ERR_TLOG_MISSING_NODE', { level, index });
      return Uint8Array.from(hash);
    });
  }

  /**
   * The stored leaf hashes (level 0) for indexes `[from, from + count)`, by position; a missing
   * leaf is `undefined`. For verifiers that walk the whole log, one range scan per page.
   */
  async leafHashes(from: number, count: number): Promise<Array<Hash | undefined>> {
    if (count <= 0) return [];
    const rows = await this.#db
      .selectFrom('tlog_nodes')
      .select(['idx', 'hash'])
      .where('log_id', '=', this.#logId)
      .where('level', '=', 0)
      .where('idx', '>=', from)
      .where('idx', '<', from + count)
      .orderBy('idx')
      .execute();
    const out = new Array<Hash | undefined>(count);
    for (const r of rows) out[Number(r.idx) - from] = Uint8Array.from(r.hash);
    return out;
  }

  async append(batch: HashStoreAppend, opts: HashStoreOptions = {}): Promise<void> {
    opts.signal?.throwIfAborted();
    if (this.#db.isTransaction) return this.#append(this.#db as Transaction<TlogTables>, batch);
    return this.#db.transaction().execute((trx) => this.#append(trx, batch));
  }

  async #append(trx: Transaction<TlogTables>, { fromSize, toSize, nodes }: HashStoreAppend): Promise<void> {
    if (fromSize === 0) {
      await trx
        .insertInto('tlog_heads')
        .values({ log_id: this.#logId, size: 0 })
        .onConflict((oc) => oc.column('log_id').doNothing())
        .execute();
    }
    const moved = await trx
      .updateTable('tlog_heads')
      .set({ size: treeSize(toSize) })
      .where('log_id', '=', this.#logId)
      .where('size', '=', fromSize)
      .executeTakeFirst();
    if (moved.numUpdatedRows === 0n) {
      const actual = await readSize(trx, this.#logId);
      throw new HeraldError('HERALD_ERR_TLOG_SIZE_CONFLICT', { expected: fromSize, actual });
    }
    if (this.#dialect === 'sqlite') {
      let i = 0;
      for (; i + SQLITE_ROWS <= nodes.length; i += SQLITE_ROWS) {
        const params: unknown[] = [];
        for (let k = i; k < i + SQLITE_ROWS; k++) {
          const { id, hash } = nodes[k]!;
          params.push(this.#logId, id.level, id.index, blob(hash));
        }
        await trx.executeQuery(CompiledQuery.raw(SQLITE_INSERT_MANY, params));
      }
      for (; i < nodes.length; i++) {
        const { id, hash } = nodes[i]!;
        await trx.executeQuery(
          CompiledQuery.raw(SQLITE_INSERT_ONE, [this.#logId, id.level, id.index, blob(hash)]),
        );
      }
      return;
    }
    for (let i = 0; i < nodes.length; i += PG_CHUNK) {
      const rows = nodes.slice(i, i + PG_CHUNK).map(({ id, hash }) => ({
        log_id: this.#logId,
        level: id.level,
        idx: id.index,
        hash: blob(hash),
      }));
      await trx.insertInto('tlog_nodes').values(rows).execute();
    }
  }
}

/** The drivers bind Buffers as blobs; a view over the same memory, no copy. */
function blob(hash: Uint8Array): Buffer {
  return Buffer.isBuffer(hash) ? hash : Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength);
}

/**
 * Views a handle on a larger database as one on the tlog tables alone. Kysely's database type
 * parameter is invariant, so a `Kysely<Database>` does not widen to `Kysely<TlogTables>` by
 * itself, although every query this module builds is valid on it (`DB extends TlogTables`).
 */
function narrow<DB extends TlogTables>(db: Kysely<DB>): Kysely<TlogTables> {
  return db as unknown as Kysely<TlogTables>;
}

async function readSize(db: Kysely<TlogTables>, logId: string): Promise<TreeSize> {
  const row = await db.selectFrom('tlog_heads').select('size').where('log_id', '=', logId).executeTakeFirst();
  return treeSize(row === undefined ? 0 : Number(row.size));
}

/**
 * Takes PostgreSQL's transaction-scoped advisory lock for `logId`, so one sequencer at a time
 * integrates leaves into that log (DESIGN: scale-out). It is released at commit or rollback, so
 * a crashed sequencer never holds it. On SQLite there is one writer anyway, so it does nothing.
 */
export async function lockLogForAppend<DB extends TlogTables>(
  trx: Transaction<DB>,
  dialect: SqlHashStoreDialect,
  logId: string,
): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`select pg_advisory_xact_lock(hashtextextended(${logId}, 0))`.execute(narrow(trx));
}
