// The sealed journal end to end, on SQLite and (with HERALD_TEST_PG_URL) PostgreSQL: capture,
// sequencing with signed checkpoints, verification naming the first bad entry, crash safety,
// retention with legal holds, and a database dump free of journaled plaintext.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { isHeraldError } from '../../src/errors/index.ts';
import { expireJournalRecords, verifyLog } from '../../src/journal/index.ts';
import { journalLeafQueue } from '../../src/journal/journal-leaf-queue.ts';
import { hashLeaf, inclusionProofFromJson, openCheckpoint, verifyInclusion } from '../../src/tlog/index.ts';
import { testDatabases } from '../support/databases.ts';
import { overwriteStoredLeaf, storedLeafCount } from '../support/tlog-tiles.ts';
import { compliance, openJournalHarness, sampleRecord, type JournalHarness } from './journal-harness.ts';

const T = 'ten_journal_test';
const code = (c: string) => (err: unknown) => isHeraldError(err) && err.code === c;

for (const { db, name } of testDatabases()) {
  describe(`journal on ${name}`, { skip: db === undefined ? 'HERALD_TEST_PG_URL is not set' : false }, () => {
    let h: JournalHarness;
    const fresh = async () => {
      await h?.dispose();
      h = await openJournalHarness(db!);
      return h;
    };
    const capture = async (n: number, from = 0) => {
      await h.store.conn.db.transaction().execute(async (trx) => {
        for (let i = from; i < from + n; i++) await h.journal.capture(trx, sampleRecord(i, T));
      });
    };
    // The records in leaf order (integrated ones first), each with its leaf index.
    const rows = () =>
      h.store.conn.db
        .selectFrom('journal_records as r')
        .leftJoin('journal_leaves as l', 'l.record_id', 'r.id')
        .selectAll('r')
        .select('l.leaf_index')
        .orderBy(sql`l.leaf_index is null`)
        .orderBy('l.leaf_index')
        .orderBy('r.id')
        .execute();
    before(fresh);
    after(() => h?.dispose());

    it('integrates captured records in batches under signed checkpoints that verify with proofs', async () => {
      await capture(5);
      assert.equal((await h.journal.log.sequence()).appended, 5);
      await capture(6, 5);
      const r = await h.journal.log.sequence();
      assert.equal(r.size, 11);
      const { checkpoint } = openCheckpoint(r.checkpoint!, h.journalTrust);
      assert.equal(checkpoint.size, 11);
      const leaf = (await rows())[7]!;
      const proof = inclusionProofFromJson(await h.journal.log.inclusionProof(7, 11));
      assert.ok(verifyInclusion(proof, Uint8Array.from(leaf.leaf_hash), checkpoint.root));
      assert.equal(hashLeaf(new Uint8Array()).length, 32);
      const report = await verifyLog(h.store.conn.db, h.store.dialect, 'journal', h.journalTrust);
      assert.deepEqual([report.ok, report.size, report.checkpoints, report.pending], [true, 11, 2, 0]);
    });

    it('rolls a failed batch back whole: no leaf half-integrated, no checkpoint over missing leaves', async () => {
      const failing = await openJournalHarness(db!, {
        afterAppend: async () => {
          throw new Error('crash in the middle of a batch');
        },
      });
      try {
        await failing.store.conn.db.transaction().execute(async (trx) => {
          for (let i = 0; i < 4; i++) await failing.journal.capture(trx, sampleRecord(i, T));
        });
        await assert.rejects(failing.journal.log.sequence(), /crash in the middle/);
        const d = failing.store.conn.db;
        assert.equal(await failing.journal.log.tree().size(), 0);
        assert.equal((await d.selectFrom('tlog_tiles').select('idx').execute()).length, 0);
        assert.equal(await storedLeafCount(d), 0);
        assert.equal((await d.selectFrom('tlog_checkpoints').select('size').execute()).length, 0);
        assert.equal((await d.selectFrom('journal_leaves').select('record_id').execute()).length, 0);
        assert.equal((await d.selectFrom('journal_pending').select('record_id').execute()).length, 4);
        const report = await verifyLog(d, failing.store.dialect, 'journal', failing.journalTrust);
        assert.deepEqual([report.ok, report.pending], [true, 4]);
      } finally {
        await failing.dispose();
      }
    });

    for (const raw of [false, true])
      it(`refuses a batch whose records are not the queued ones, and writes none of it${raw ? ' (raw SQLite handle)' : ''}`, async () => {
        await fresh();
        await capture(2);
        const d = h.store.conn.db;
        const queue = journalLeafQueue(h.store.dialect, raw ? h.store.conn.sqlite : undefined);
        const [first] = await d.transaction().execute((trx) => queue.pending(trx, 1));
        await assert.rejects(
          d.transaction().execute((trx) => queue.assign(trx, [first!.key, 'jr_never_queued'], 0)),
          code('HERALD_ERR_JOURNAL_QUEUE_CONFLICT'),
        );
        assert.equal((await d.selectFrom('journal_leaves').select('record_id').execute()).length, 0);
        assert.equal((await d.selectFrom('journal_pending').select('record_id').execute()).length, 2);
        assert.equal((await h.journal.log.sequence()).appended, 2);
      });

    it('lets concurrent sequencers take turns on one log', async () => {
      await fresh();
      await capture(30);
      const runs = await Promise.all([
        h.journal.log.sequence(),
        h.journal.log.sequence(),
        h.journal.log.sequence(),
      ]);
      assert.equal(
        runs.reduce((n, r) => n + r.appended, 0),
        30,
      );
      const report = await verifyLog(h.store.conn.db, h.store.dialect, 'journal', h.journalTrust);
      assert.ok(report.ok, JSON.stringify(report.firstBad));
    });

    for (const threads of [1, 2])
      describe(`verification names the first bad entry (${threads} thread${threads > 1 ? 's' : ''})`, () => {
        const setup = async () => {
          await fresh();
          await capture(8);
          await h.journal.log.sequence();
          return rows();
        };
        // With two threads, a second one scans leaves 4…7 over its own connection.
        const verify = () =>
          verifyLog(
            h.store.conn.db,
            h.store.dialect,
            'journal',
            h.journalTrust,
            undefined,
            threads > 1 ? { url: h.url, threadFrom: 2 } : {},
          );

        it('and passes the log when nothing was changed', async () => {
          await setup();
          const report = await verify();
          assert.deepEqual([report.ok, report.size, report.firstBad], [true, 8, undefined]);
        });

        it('when a stored record is edited', async () => {
          const r = await setup();
          const ct = Buffer.from(r[3]!.ciphertext);
          ct[20]! ^= 1;
          await h.store.conn.db
            .updateTable('journal_records')
            .set({ ciphertext: ct })
            .where('id', '=', r[3]!.id)
            .execute();
          const report = await verify();
          assert.equal(report.ok, false);
          assert.deepEqual([report.firstBad?.index, report.firstBad?.id], [3, r[3]!.id]);
        });

        it('when a record is deleted', async () => {
          const r = await setup();
          await h.store.conn.db.deleteFrom('journal_records').where('id', '=', r[5]!.id).execute();
          const report = await verify();
          assert.equal(report.firstBad?.index, 5);
          assert.match(report.firstBad!.problem, /entry 5 is missing/);
        });

        it('when two records are reordered', async () => {
          const r = await setup();
          const d = h.store.conn.db;
          // Through a placeholder: a record is a leaf at most once (a unique index).
          const point = (index: number, recordId: string) =>
            d
              .updateTable('journal_leaves')
              .set({ record_id: recordId })
              .where('leaf_index', '=', index)
              .execute();
          await point(2, 'jr_placeholder');
          await point(6, r[2]!.id);
          await point(2, r[6]!.id);
          const report = await verify();
          assert.deepEqual([report.firstBad?.index, report.firstBad?.id], [2, r[6]!.id]);
        });

        it('when a leaf and its record are rewritten together, the signed checkpoint catches it', async () => {
          const r = await setup();
          const d = h.store.conn.db;
          await d.deleteFrom('journal_records').where('id', '=', r[4]!.id).execute();
          await h.journal.capture(d, sampleRecord(99, T));
          const forged = (await d.selectFrom('journal_pending').selectAll().execute())[0]!;
          await d.deleteFrom('journal_pending').where('record_id', '=', forged.record_id).execute();
          await d
            .updateTable('journal_leaves')
            .set({ record_id: forged.record_id })
            .where('leaf_index', '=', 4)
            .execute();
          await overwriteStoredLeaf(d, h.journal.log.origin, 4, forged.leaf_hash);
          const report = await verify();
          assert.equal(report.ok, false);
          assert.match(report.firstBad!.problem, /checkpoint at size 8: a leaf in \[0, 8\) was changed/);
        });

        it('when a stored leaf hash is edited', async () => {
          await setup();
          await overwriteStoredLeaf(h.store.conn.db, h.journal.log.origin, 1, Buffer.alloc(32, 7));
          const report = await verify();
          assert.equal(report.firstBad?.index, 1);
        });
      });

    it('shreds expired records unless a legal hold covers them; the log still verifies', async () => {
      await fresh();
      await capture(4);
      await h.journal.log.sequence();
      const alice = compliance('key_alice', T);
      await assert.rejects(
        h.holds.create({ id: 'key_bob', role: 'admin', tenantId: T }, { tenantId: T }, 'x'),
        code('HERALD_ERR_AUTH_FORBIDDEN'),
      );
      const holdId = await h.holds.create(
        alice,
        { tenantId: T, subject: 'canary-rcpt-1@example.com' },
        'case 42',
      );
      const later = Date.now() + 31 * 86_400_000;
      const deps = { db: h.store.conn.db, dialect: h.store.dialect, audit: h.audit };
      const r1 = await expireJournalRecords(deps, { now: later });
      assert.deepEqual(r1, { shredded: 3, held: 1, skipped: false });
      const all = await rows();
      assert.deepEqual(
        all.map((r) => r.sealed_key === null),
        [true, false, true, true],
      );
      const opened = await h.vault.open({
        recordId: all[1]!.id,
        enc: all[1]!.enc,
        encSeq: all[1]!.enc_seq,
        sealedKey: all[1]!.sealed_key,
        ciphertext: all[1]!.ciphertext,
      });
      assert.match(Buffer.from(opened.plaintext).toString(), /CANARY-PLAINTEXT-1/);
      await assert.rejects(
        h.vault.open({
          recordId: all[0]!.id,
          enc: all[0]!.enc,
          encSeq: all[0]!.enc_seq,
          sealedKey: null,
          ciphertext: all[0]!.ciphertext,
        }),
        code('HERALD_ERR_JOURNAL_SHREDDED'),
      );
      await h.holds.release(alice, holdId);
      await assert.rejects(h.holds.release(alice, holdId), code('HERALD_ERR_JOURNAL_HOLD_NOT_FOUND'));
      assert.deepEqual(await expireJournalRecords(deps, { now: later }), {
        shredded: 1,
        held: 0,
        skipped: false,
      });
      const report = await verifyLog(h.store.conn.db, h.store.dialect, 'journal', h.journalTrust);
      assert.deepEqual([report.ok, report.shredded], [true, 4]);
      await h.audit.log.sequenceAll();
      const actions = await h.store.conn.db
        .selectFrom('audit_events')
        .select('action')
        .orderBy('leaf_index')
        .execute();
      assert.deepEqual(
        actions.map((a) => a.action),
        ['journal.hold.create', 'journal.shred', 'journal.hold.release', 'journal.shred'],
      );
      const audit = await verifyLog(h.store.conn.db, h.store.dialect, 'audit', h.auditTrust);
      assert.deepEqual([audit.ok, audit.size], [true, 4]);
    });

    it('keeps journaled plaintext out of every table (database dump canary)', async () => {
      await fresh();
      await capture(6);
      await h.journal.log.sequence();
      // One record still queued, so the queue table is in the dump too.
      await capture(1, 6);
      const tables = [
        'journal_records',
        'journal_pending',
        'journal_leaves',
        'tlog_tiles',
        'tlog_heads',
        'tlog_checkpoints',
        'audit_events',
        'journal_holds',
      ];
      let dump = '';
      for (const t of tables) {
        const result = await sql<Record<string, unknown>>`select * from ${sql.table(t)}`.execute(
          h.store.conn.db,
        );
        for (const row of result.rows) {
          for (const v of Object.values(row)) dump += Buffer.isBuffer(v) ? v.toString('latin1') : String(v);
        }
      }
      assert.ok(dump.length > 1000);
      assert.doesNotMatch(dump, /CANARY|canary-rcpt|quarterly/i);
      if (h.store.dialect === 'sqlite') {
        // The raw database file and its write-ahead log, as a backup would copy them.
        const raw = [h.url, `${h.url}-wal`]
          .filter((f) => existsSync(f))
          .map((f) => readFileSync(f).toString('latin1'));
        assert.ok(raw.join('').length > 0);
        assert.doesNotMatch(raw.join(''), /CANARY|canary-rcpt|quarterly/i);
      }
    });
  });
}
