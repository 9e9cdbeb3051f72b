// Migration 0012 on both dialects: a journal written with the leaf index in the record row
// (before 0012) moves to `journal_leaves` and `journal_pending`; the moved log verifies, its
// pending records integrate after it, and a migration that fails leaves the old layout whole.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { verifyLog } from '../../src/journal/index.ts';
import { migrate } from '../../src/storage/connect.ts';
import { inclusionProofFromJson, openCheckpoint, verifyInclusion } from '../../src/tlog/index.ts';
import { testDatabases } from '../support/databases.ts';
import { rewindJournalLeaves } from '../support/journal-leaves-rewind.ts';
import { openJournalHarness, sampleRecord, type JournalHarness } from './journal-harness.ts';

const T = 'ten_migration';

interface OldTables {
  journal_records: { id: string; leaf_hash: Uint8Array; leaf_index: number | null };
}

/**
 * Puts the journal back to its layout before 0012: `leaf_index` in the record row with the two
 * partial indexes of migrations 0002 and 0008, no leaves or queue tables, 0012 not recorded.
 */
async function rewindTo0011(h: JournalHarness): Promise<Kysely<OldTables>> {
  await rewindJournalLeaves(h.store.conn.db as unknown as Kysely<unknown>);
  return h.store.conn.db as unknown as Kysely<OldTables>;
}

/** Writes 10 integrated records (one of them shredded) and 3 pending ones. */
async function writeJournal(h: JournalHarness): Promise<void> {
  const d = h.store.conn.db;
  await d.transaction().execute(async (trx) => {
    for (let i = 0; i < 10; i++) await h.journal.capture(trx, sampleRecord(i, T));
  });
  await h.journal.log.sequenceAll();
  const shred = (
    await d.selectFrom('journal_leaves').select('record_id').where('leaf_index', '=', 4).execute()
  )[0]!;
  await d
    .updateTable('journal_records')
    .set({ sealed_key: null, shredded_at: Date.now() })
    .where('id', '=', shred.record_id)
    .execute();
  await d.transaction().execute(async (trx) => {
    for (let i = 10; i < 13; i++) await h.journal.capture(trx, sampleRecord(i, T));
  });
}

for (const { db, name } of testDatabases()) {
  describe(
    `migration 0012 (journal leaves) on ${name}`,
    { skip: db === undefined ? 'HERALD_TEST_PG_URL is not set' : false },
    () => {
      const opened: JournalHarness[] = [];
      after(async () => {
        for (const h of opened) await h.dispose();
      });

      it('moves leaf indexes and pending records out of the rows; the log verifies and grows on', async () => {
        const h = await openJournalHarness(db!);
        opened.push(h);
        await writeJournal(h);
        const old = await rewindTo0011(h);
        const before = await old
          .selectFrom('journal_records')
          .select(['id', 'leaf_index', 'leaf_hash'])
          .orderBy('id')
          .execute();
        assert.equal(before.filter((r) => r.leaf_index !== null).length, 10);

        assert.deepEqual(await migrate(h.store.conn), ['0012-journal-leaves', '0013-journal-message-index']);
        const d = h.store.conn.db;
        const leaves = await d.selectFrom('journal_leaves').selectAll().orderBy('leaf_index').execute();
        assert.deepEqual(
          leaves.map((l) => [Number(l.leaf_index), l.record_id]),
          before
            .filter((r) => r.leaf_index !== null)
            .map((r) => [Number(r.leaf_index), r.id])
            .sort((a, b) => Number(a[0]) - Number(b[0])),
        );
        const pending = await d.selectFrom('journal_pending').selectAll().orderBy('record_id').execute();
        assert.deepEqual(
          pending.map((p) => [p.record_id, Buffer.from(p.leaf_hash).toString('hex')]),
          before
            .filter((r) => r.leaf_index === null)
            .map((r) => [r.id, Buffer.from(r.leaf_hash).toString('hex')]),
        );
        const columns = Object.keys(
          (await sql<Record<string, unknown>>`select * from journal_records`.execute(d)).rows[0]!,
        );
        assert.ok(!columns.includes('leaf_index'), 'the record row no longer holds a leaf index');

        const moved = await verifyLog(d, h.store.dialect, 'journal', h.journalTrust);
        assert.deepEqual(
          [moved.ok, moved.size, moved.pending, moved.shredded, moved.firstBad],
          [true, 10, 3, 1, undefined],
        );
        assert.equal(await h.journal.log.sequenceAll(), 3);
        const grown = await verifyLog(d, h.store.dialect, 'journal', h.journalTrust);
        assert.deepEqual([grown.ok, grown.size, grown.pending, grown.checkpoints], [true, 13, 0, 2]);
        // A record integrated before the migration proves its inclusion in the grown log.
        const { checkpoint } = openCheckpoint((await h.journal.log.checkpoint())!, h.journalTrust);
        const leaf = before.find((r) => r.id === leaves[7]!.record_id)!;
        const proof = inclusionProofFromJson(await h.journal.log.inclusionProof(7, 13));
        assert.ok(verifyInclusion(proof, Uint8Array.from(leaf.leaf_hash), checkpoint.root));
      });

      it('fails whole: the old layout stays as it was', async () => {
        const h = await openJournalHarness(db!);
        opened.push(h);
        await writeJournal(h);
        const old = await rewindTo0011(h);
        // A table in the way makes the migration fail after it has created `journal_leaves`.
        await sql`create table journal_pending (x integer)`.execute(old);
        await assert.rejects(migrate(h.store.conn));
        const rows = await old.selectFrom('journal_records').select(['id', 'leaf_index']).execute();
        assert.equal(rows.filter((r) => r.leaf_index !== null).length, 10);
        const leaves = await sql`select 1 from journal_leaves`.execute(old).then(
          () => 'exists',
          () => 'absent',
        );
        assert.equal(leaves, 'absent');
      });
    },
  );
}
