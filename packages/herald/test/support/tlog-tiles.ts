// Test helpers that reach into the stored tiles of a log (tlog/tile.ts), for tests that count the
// stored leaves or tamper with one stored hash the way an attacker with database access could.
import type { Kysely } from 'kysely';
import type { Database } from '../../src/storage/schema.ts';
import { HASH_SIZE } from '../../src/tlog/hash.ts';
import { TILE_WIDTH } from '../../src/tlog/tile.ts';

/** Leaf hashes stored for `logId` (every log in the database when left out). */
export async function storedLeafCount(db: Kysely<Database>, logId?: string): Promise<number> {
  let q = db
    .selectFrom('tlog_tiles')
    .select((eb) => eb.fn.sum<number>('width').as('n'))
    .where('level', '=', 0);
  if (logId !== undefined) q = q.where('log_id', '=', logId);
  const row = await q.executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Overwrites the stored leaf hash at `index` in place (bottom row of its tile), nothing else. */
export async function overwriteStoredLeaf(
  db: Kysely<Database>,
  logId: string,
  index: number,
  hash: Uint8Array,
): Promise<void> {
  const tileIndex = Math.floor(index / TILE_WIDTH);
  const tile = await db
    .selectFrom('tlog_tiles')
    .select('hashes')
    .where('log_id', '=', logId)
    .where('level', '=', 0)
    .where('idx', '=', tileIndex)
    .executeTakeFirstOrThrow();
  const bytes = Buffer.from(tile.hashes);
  bytes.set(hash, (index - tileIndex * TILE_WIDTH) * HASH_SIZE);
  await db
    .updateTable('tlog_tiles')
    .set({ hashes: bytes })
    .where('log_id', '=', logId)
    .where('level', '=', 0)
    .where('idx', '=', tileIndex)
    .execute();
}
