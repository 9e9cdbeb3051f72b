import { sql, type Kysely, type Migration } from 'kysely';
import { HeraldError } from '../../errors/index.ts';
import type { Hash } from '../../tlog/hash.ts';
import { growTile, TILE_HEIGHT, TILE_WIDTH, type Tile } from '../../tlog/tile.ts';

// The tables as this migration sees them (the schema type no longer has `tlog_nodes`).
interface Tables {
  tlog_nodes: { log_id: string; level: number; idx: number; hash: Uint8Array };
  tlog_tiles: { log_id: string; level: number; idx: number; width: number; hashes: Uint8Array };
}

// Tiles converted per round of reads: 64 full bottom tiles are 32,704 node rows.
const CHUNK = 64;

/**
 * The Merkle trees move from one row per perfect-subtree node (`tlog_nodes`) to one row per tile
 * of 256 hashes (`tlog_tiles`, see `tlog/tile.ts`): about 512 rows become one, which is what
 * sequencing, proofs and verification spent their time on. Existing nodes are converted, log by
 * log and tile by tile; a node missing from a tile fails the migration (and, in one transaction,
 * leaves the old table as it was) rather than writing a tree that cannot serve proofs.
 */
export function tlogTiles(dialect: 'sqlite' | 'postgres'): Migration {
  const bytes = sql.raw(dialect === 'postgres' ? 'bytea' : 'blob');
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const run = async (trx: Kysely<Tables>): Promise<void> => {
        await trx.schema
          .createTable('tlog_tiles')
          .addColumn('log_id', 'text', (c) => c.notNull())
          .addColumn('level', 'integer', (c) => c.notNull())
          .addColumn('idx', 'bigint', (c) => c.notNull())
          .addColumn('width', 'integer', (c) => c.notNull())
          .addColumn('hashes', bytes, (c) => c.notNull())
          .addPrimaryKeyConstraint('tlog_tiles_pk', ['log_id', 'level', 'idx'])
          .execute();
        const logs = await trx.selectFrom('tlog_nodes').select('log_id').distinct().execute();
        for (const { log_id } of logs) await convertLog(trx, log_id);
        await trx.schema.dropTable('tlog_nodes').execute();
      };
      // PostgreSQL runs migrations in a transaction already; Kysely does not on SQLite.
      const typed = db as Kysely<Tables>;
      if (typed.isTransaction) await run(typed);
      else await typed.transaction().execute(run);
    },
  };
}

/** Rewrites one log's nodes as tiles, one tile level at a time, `CHUNK` tiles per round. */
async function convertLog(db: Kysely<Tables>, logId: string): Promise<void> {
  for (let level = 0; ; level++) {
    let written = 0;
    for (let first = 0; ; first += CHUNK) {
      const tiles = await readChunk(db, logId, level, first);
      for (const t of tiles) {
        await db
          .insertInto('tlog_tiles')
          .values({ log_id: logId, level, idx: t.id.index, width: t.width, hashes: Buffer.from(t.bytes) })
          .execute();
      }
      written += tiles.length;
      if (tiles.length < CHUNK || tiles.at(-1)!.width < TILE_WIDTH) break;
    }
    if (written === 0) return;
  }
}

/** The tiles `[first, first + CHUNK)` of tile level `level`, from the node rows they hold. */
async function readChunk(db: Kysely<Tables>, logId: string, level: number, first: number): Promise<Tile[]> {
  const rowsByTile = new Map<number, Hash[][]>();
  for (let row = 0; row < TILE_HEIGHT; row++) {
    const perTile = TILE_WIDTH >> row;
    const nodes = await db
      .selectFrom('tlog_nodes')
      .select(['idx', 'hash'])
      .where('log_id', '=', logId)
      .where('level', '=', level * TILE_HEIGHT + row)
      .where('idx', '>=', first * perTile)
      .where('idx', '<', (first + CHUNK) * perTile)
      .orderBy('idx')
      .execute();
    for (const n of nodes) {
      const idx = Number(n.idx);
      const tile = Math.floor(idx / perTile);
      let rows = rowsByTile.get(tile);
      if (rows === undefined) {
        rows = Array.from({ length: TILE_HEIGHT }, () => []);
        rowsByTile.set(tile, rows);
      }
      const got = rows[row]!;
      // Nodes fill each row from its start: a gap is a node the old store lost.
      if (idx !== tile * perTile + got.length) {
        throw new HeraldError('HERALD_ERR_TLOG_MISSING_NODE', {
          level: level * TILE_HEIGHT + row,
          index: tile * perTile + got.length,
        });
      }
      got.push(Uint8Array.from(n.hash));
    }
  }
  const tiles: Tile[] = [];
  for (let index = first; index < first + CHUNK; index++) {
    const rows = rowsByTile.get(index);
    if (rows === undefined) break;
    tiles.push(growTile({ level, index }, undefined, rows));
  }
  // A whole tile missing before one that exists: its first node is the one the old store lost.
  if (tiles.length < rowsByTile.size) {
    const index = first + tiles.length;
    throw new HeraldError('HERALD_ERR_TLOG_MISSING_NODE', {
      level: level * TILE_HEIGHT,
      index: index * TILE_WIDTH,
    });
  }
  return tiles;
}
