// Migration 0011 on both dialects: a database written by the node-per-row store (before 0011)
// is turned into tiles that serve the same roots and proofs as a reference tree in memory, and
// appends continue on top; a database with a lost node fails the migration and keeps its rows.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { isHeraldError } from '../../src/errors/index.ts';
import { migrate } from '../../src/storage/connect.ts';
import type { Store } from '../../src/storage/store.ts';
import {
  CompactRange,
  hashLeaf,
  leafIndex,
  MemoryHashStore,
  MerkleTree,
  treeSize,
  type Hash,
  type NodeId,
} from '../../src/tlog/index.ts';
import { SqlHashStore } from '../../src/tlog/sql-hash-store.ts';
import { testDatabases } from '../support/databases.ts';
import { rewindJournalLeaves } from '../support/journal-leaves-rewind.ts';

const leaf = (log: string, i: number): Hash => hashLeaf(new TextEncoder().encode(`${log} ${i}`));

interface OldTables {
  tlog_nodes: { log_id: string; level: number; idx: number; hash: Uint8Array };
  tlog_heads: { log_id: string; size: number };
}

/**
 * Puts a migrated database back to its state before 0011: the `tlog_nodes` table exactly as
 * migration 0002 created it, no tiles, 0011 not recorded as run.
 */
async function rewindTo0008(store: Store): Promise<Kysely<OldTables>> {
  const db = store.conn.db as unknown as Kysely<OldTables>;
  const bytes = sql.raw(store.dialect === 'postgres' ? 'bytea' : 'blob');
  await db.schema.dropTable('tlog_tiles').execute();
  // Migrations run in order: 0012 (journal leaves) is undone first, and runs again after 0011.
  await rewindJournalLeaves(db as unknown as Kysely<unknown>);
  await sql`delete from kysely_migration where name = '0011-tlog-tiles'`.execute(db);
  await db.schema
    .createTable('tlog_nodes')
    .addColumn('log_id', 'text', (c) => c.notNull())
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('idx', 'bigint', (c) => c.notNull())
    .addColumn('hash', bytes, (c) => c.notNull())
    .addPrimaryKeyConstraint('tlog_nodes_pk', ['log_id', 'level', 'idx'])
    .execute();
  return db;
}

/** Writes `size` leaves of `log` the way the old store did: one row per perfect subtree. */
async function writeOldLog(db: Kysely<OldTables>, log: string, size: number): Promise<void> {
  const nodes: Array<{ id: NodeId; hash: Hash }> = [];
  const range = new CompactRange();
  for (let i = 0; i < size; i++) range.append(leaf(log, i), (id, hash) => nodes.push({ id, hash }));
  for (let i = 0; i < nodes.length; i += 2000) {
    const rows = nodes.slice(i, i + 2000).map(({ id, hash }) => ({
      log_id: log,
      level: id.level,
      idx: id.index,
      hash: Buffer.from(hash),
    }));
    await db.insertInto('tlog_nodes').values(rows).execute();
  }
  await db.insertInto('tlog_heads').values({ log_id: log, size }).execute();
}

async function reference(log: string, size: number): Promise<MerkleTree> {
  const tree = new MerkleTree(new MemoryHashStore());
  await tree.appendLeafHashes(Array.from({ length: size }, (_, i) => leaf(log, i)));
  return tree;
}

/** Roots, inclusion and consistency proofs at a spread of sizes, tile edges included. */
async function assertSameTree(tree: MerkleTree, ref: MerkleTree): Promise<void> {
  const size = await ref.size();
  assert.equal(await tree.size(), size);
  const sizes = [1, 2, 255, 256, 257, 511, 16_384, 16_385, size - 1, size].filter((s) => s >= 1 && s <= size);
  for (const s of sizes) {
    const n = treeSize(s);
    assert.deepEqual(await tree.root(n), await ref.root(n), `root at ${s}`);
    for (const i of [0, s - 1, Math.floor(s / 3)]) {
      assert.deepEqual(
        await tree.inclusionProof(leafIndex(i), n),
        await ref.inclusionProof(leafIndex(i), n),
        `inclusion of ${i} in ${s}`,
      );
    }
    assert.deepEqual(
      await tree.consistencyProof(treeSize(Math.ceil(s / 2)), treeSize(size)),
      await ref.consistencyProof(treeSize(Math.ceil(s / 2)), treeSize(size)),
      `consistency ${Math.ceil(s / 2)} → ${size}`,
    );
  }
}

for (const { db, name } of testDatabases()) {
  describe(
    `migration 0011 (nodes to tiles) on ${name}`,
    { skip: db === undefined ? 'HERALD_TEST_PG_URL is not set' : false },
    () => {
      const opened: Array<{ dispose(): Promise<void> }> = [];
      after(async () => {
        for (const o of opened) await o.dispose();
      });

      it('turns every log into tiles that serve the same roots and proofs, and appends go on', async () => {
        const t = await db!.open();
        opened.push(t);
        const old = await rewindTo0008(t.store);
        // 17,000 leaves: two rounds of conversion, a partial bottom tile, a partial tile above it.
        const logs = { 'test/big': 17_000, 'test/small': 3, 'test/one-tile': 256 };
        for (const [log, size] of Object.entries(logs)) await writeOldLog(old, log, size);

        assert.deepEqual(await migrate(t.store.conn), [
          '0011-tlog-tiles',
          '0012-journal-leaves',
          '0013-journal-message-index',
        ]);
        const tables = await sql<{ n: number }>`select count(*) as n from tlog_tiles`.execute(
          t.store.conn.db,
        );
        // big: 67 bottom tiles + 1 above; small: 1; one-tile: 1 bottom + 1 above (its root).
        assert.equal(Number(tables.rows[0]!.n), 71);

        for (const [log, size] of Object.entries(logs)) {
          const tree = new MerkleTree(new SqlHashStore(t.store.conn.db, t.store.dialect, log));
          const ref = await reference(log, size);
          await assertSameTree(tree, ref);
          const more = Array.from({ length: 300 }, (_, i) => leaf(log, size + i));
          await tree.appendLeafHashes(more);
          await ref.appendLeafHashes(more);
          await assertSameTree(tree, ref);
        }
      });

      it('fails on a lost node and leaves the old rows as they were', async () => {
        const t = await db!.open();
        opened.push(t);
        const old = await rewindTo0008(t.store);
        await writeOldLog(old, 'test/broken', 600);
        await old
          .deleteFrom('tlog_nodes')
          .where('log_id', '=', 'test/broken')
          .where('level', '=', 1)
          .where('idx', '=', 130)
          .execute();
        await assert.rejects(
          migrate(t.store.conn),
          (err) => isHeraldError(err) && err.code === 'HERALD_ERR_TLOG_MISSING_NODE',
        );
        const left = await old.selectFrom('tlog_nodes').select('idx').execute();
        assert.equal(left.length, 2 * 600 - 4 - 1); // 2n − popcount(600) nodes, one deleted
        const tiles = await sql`select 1 from tlog_tiles`.execute(t.store.conn.db).then(
          () => 'exists',
          () => 'absent',
        );
        assert.equal(tiles, 'absent');
      });
    },
  );
}
