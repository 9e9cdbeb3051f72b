import { CompiledQuery, sql, type Kysely, type Transaction } from 'kysely';
import { HeraldError } from '../errors/index.ts';
import type { Hash } from './hash.ts';
import type { HashStore, HashStoreAppend, HashStoreOptions } from './hash-store.ts';
import type { NodeId } from './node-id.ts';
import { growTile, Tile, TILE_HEIGHT, TILE_WIDTH, tileKey, tileSlot, type TileId } from './tile.ts';
import { treeSize, type TreeSize } from './tree-size.ts';

/**
 * The two tables a {@link SqlHashStore} needs, declared here so `tlog` does not import `storage`
 * (dependencies point inward); `storage/schema.ts` lists the same tables in its `Database`.
 */
export interface TlogTables {
  /** Tiles of 256 hashes (see `tile.ts`): tile `(level, idx)` of log `log_id`. */
  tlog_tiles: { log_id: string; level: number; idx: number; width: number; hashes: Uint8Array };
  /** The committed leaf count of each log. */
  tlog_heads: { log_id: string; size: number };
}

/** The SQL dialects the store speaks; the same names as `storage/connect.ts`. */
export type SqlHashStoreDialect = 'sqlite' | 'postgres';

interface TileRow {
  level: number | string;
  idx: number | string;
  width: number | string;
  hashes: Uint8Array;
}

// The tile lookup of a proof, per number of tiles (a proof touches about two per tile level).
// The text depends only on the count, so SQLite parses each shape once and caches it.
const getTilesSql = new Map<number, string>();
const sqliteGetTiles = (count: number): string => {
  let text = getTilesSql.get(count);
  if (text === undefined) {
    text = `select "level", "idx", "width", "hashes" from (values ${Array(count).fill('(?, ?)').join(', ')}) as v join "tlog_tiles" on "log_id" = ? and "level" = v.column1 and "idx" = v.column2`;
    if (getTilesSql.size < 256) getTilesSql.set(count, text);
  }
  return text;
};
const PG_GET_TILES =
  'select t.level, t.idx, t.width, t.hashes from unnest($2::int[], $3::bigint[]) as v(l, i) join tlog_tiles t on t.log_id = $1 and t.level = v.l and t.idx = v.i';
// A grown tile replaces the stored one: rows are rewritten only while their tile is partial.
const UPSERT_TILE =
  'insert into tlog_tiles (log_id, level, idx, width, hashes) values ($1, $2, $3, $4, $5) on conflict (log_id, level, idx) do update set width = excluded.width, hashes = excluded.hashes';
const SQLITE_UPSERT_TILE = UPSERT_TILE.replace(/\$\d/g, '?');

/**
 * A {@link HashStore} in two SQL tables, shared by every log in the database (rows keyed by
 * `log_id`). The tree is stored as tiles of 256 hashes, as C2SP tlog-tiles and Tessera do: one
 * row per tile instead of one per node, so an append of b leaves writes about b/256 rows and a
 * proof reads a few. Given a `Transaction`, it works inside it, so a sequencer can append nodes
 * and mark the leaves it integrated in one commit; given a `Kysely`, `append` opens its own.
 *
 * `append` moves the head with an optimistic `UPDATE ... WHERE size = :fromSize`: when another
 * writer moved it first, no row changes and it throws `HERALD_ERR_TLOG_SIZE_CONFLICT`, and the
 * enclosing transaction (which the caller then rolls back) has written nothing that counts.
 * Hashes inside a tile never change once written; only a partial tile's row grows.
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
    return readSize(this.#db, this.#dialect, this.#logId);
  }

  async getNodes(ids: readonly NodeId[], opts: HashStoreOptions = {}): Promise<Hash[]> {
    opts.signal?.throwIfAborted();
    if (ids.length === 0) return [];
    const slots = ids.map(tileSlot);
    const wanted = new Map<string, TileId>();
    for (const { tile } of slots) wanted.set(tileKey(tile), tile);
    const tiles = await this.#readTiles(this.#db, [...wanted.values()]);
    return slots.map(({ tile, row, position }, i) => {
      const hash = tiles.get(tileKey(tile))?.hash(row, position);
      if (hash === undefined) {
        throw new HeraldError('HERALD_ERR_TLOG_MISSING_NODE', { level: ids[i]!.level, index: ids[i]!.index });
      }
      return hash;
    });
  }

  /**
   * The stored leaf hashes (level 0) for indexes `[from, from + count)`, by position; a missing
   * leaf is `undefined`. For verifiers that walk the whole log: one range scan of the bottom tiles.
   */
  async leafHashes(from: number, count: number): Promise<Array<Hash | undefined>> {
    if (count <= 0) return [];
    const rows = await this.#db
      .selectFrom('tlog_tiles')
      .select(['level', 'idx', 'width', 'hashes'])
      .where('log_id', '=', this.#logId)
      .where('level', '=', 0)
      .where('idx', '>=', Math.floor(from / TILE_WIDTH))
      .where('idx', '<=', Math.floor((from + count - 1) / TILE_WIDTH))
      .execute();
    const out = new Array<Hash | undefined>(count);
    for (const r of rows) {
      const tile = toTile(r);
      const first = tile.id.index * TILE_WIDTH;
      for (let p = Math.max(0, from - first); p < tile.width && first + p < from + count; p++) {
        out[first + p - from] = tile.hash(0, p);
      }
    }
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
      const actual = await readSize(trx, this.#dialect, this.#logId);
      throw new HeraldError('HERALD_ERR_TLOG_SIZE_CONFLICT', { expected: fromSize, actual });
    }
    // The new hashes of each touched tile, row by row (nodes arrive in index order per level).
    const added = new Map<string, { id: TileId; rows: Hash[][] }>();
    for (const { id, hash } of nodes) {
      const { tile, row } = tileSlot(id);
      const key = tileKey(tile);
      let entry = added.get(key);
      if (entry === undefined) {
        entry = { id: tile, rows: Array.from({ length: TILE_HEIGHT }, () => []) };
        added.set(key, entry);
      }
      entry.rows[row]!.push(hash);
    }
    // At most one tile per tile level was partial before this append; it grows in place.
    const partial: TileId[] = [];
    for (let level = 0; TILE_WIDTH ** level <= fromSize; level++) {
      const bottom = Math.floor(fromSize / TILE_WIDTH ** level);
      if (bottom % TILE_WIDTH !== 0) partial.push({ level, index: Math.floor(bottom / TILE_WIDTH) });
    }
    const before = await this.#readTiles(
      trx,
      partial.filter((t) => added.has(tileKey(t))),
    );
    for (const [key, { id, rows }] of added) {
      const tile = growTile(id, before.get(key), rows);
      const params = [this.#logId, id.level, id.index, tile.width, blob(tile.bytes)];
      await trx.executeQuery(
        CompiledQuery.raw(this.#dialect === 'sqlite' ? SQLITE_UPSERT_TILE : UPSERT_TILE, params),
      );
    }
  }

  /** The stored tiles among `ids`, by key, in one round trip. */
  async #readTiles(db: Kysely<TlogTables>, ids: readonly TileId[]): Promise<Map<string, Tile>> {
    const out = new Map<string, Tile>();
    if (ids.length === 0) return out;
    const { rows } = await db.executeQuery<TileRow>(
      this.#dialect === 'sqlite'
        ? CompiledQuery.raw(sqliteGetTiles(ids.length), [
            ...ids.flatMap((id) => [id.level, id.index]),
            this.#logId,
          ])
        : CompiledQuery.raw(PG_GET_TILES, [
            this.#logId,
            ids.map((id) => id.level),
            ids.map((id) => id.index),
          ]),
    );
    for (const r of rows) {
      const tile = toTile(r);
      out.set(tileKey(tile.id), tile);
    }
    return out;
  }
}

/** A stored row as a {@link Tile} (which checks that its length fits its width). */
function toTile(r: TileRow): Tile {
  return new Tile({ level: Number(r.level), index: Number(r.idx) }, Number(r.width), r.hashes);
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

// Every proof reads the size first; fixed text (no query building) keeps that read cheap.
const READ_SIZE = {
  sqlite: 'select "size" from "tlog_heads" where "log_id" = ?',
  postgres: 'select size from tlog_heads where log_id = $1',
};

async function readSize(
  db: Kysely<TlogTables>,
  dialect: SqlHashStoreDialect,
  logId: string,
): Promise<TreeSize> {
  const { rows } = await db.executeQuery<{ size: number | string }>(
    CompiledQuery.raw(READ_SIZE[dialect], [logId]),
  );
  return treeSize(rows[0] === undefined ? 0 : Number(rows[0].size));
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
