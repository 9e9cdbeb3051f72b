// Retention expiry as it runs in production: inside real `herald serve` (SQLite) and
// `herald worker` (PostgreSQL, two workers at once) processes, on their own schedule. Records
// past their retention are crypto-shredded, a record under legal hold is not, each record is
// shredded exactly once, the processes stop cleanly, and `herald journal verify` still passes.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { isHeraldError } from '../../src/errors/index.ts';
import { testDatabases } from '../support/databases.ts';
import { eventually } from '../support/dispatcher-harness.ts';
import { runHerald, startHeraldProcess, stopHeraldProcess } from '../support/herald-process.ts';
import { compliance, openJournalHarness, sampleRecord, type JournalHarness } from './journal-harness.ts';

const T = 'ten_retention';
const DAY = 86_400_000;
const HELD = 'held-person@example.com';

for (const { db, name } of testDatabases()) {
  describe(
    `journal retention in ${name === 'sqlite' ? 'herald serve' : 'two herald workers'} on ${name}`,
    {
      skip: db === undefined ? 'HERALD_TEST_PG_URL is not set' : false,
    },
    () => {
      let h: JournalHarness | undefined;
      after(() => h?.dispose());

      it('shreds records past their retention, not those under legal hold, each once; verify still passes', async () => {
        // Records captured two days ago: `transient` (1 day) has run out for them, `7y` has not.
        h = await openJournalHarness(db!, { now: () => Date.now() - 2 * DAY });
        const d = h.store.conn.db;
        const capture = async (i: number, over: Parameters<typeof sampleRecord>[2]) =>
          h!.journal.capture(d, sampleRecord(i, T, over));
        const expired = [
          await capture(0, { retention: 'transient' }),
          await capture(1, { retention: 'transient' }),
        ];
        const held = await capture(2, { retention: 'transient', recipients: [HELD] });
        const kept = await capture(3, { retention: '7y' });
        await h.journal.log.sequenceAll();
        await h.holds.create(compliance('key_carol', T), { tenantId: T, subject: HELD }, 'case 7');

        const env = { ...h.processEnv, HERALD_JOURNAL_RETENTION_INTERVAL_MS: '1000' };
        const procs =
          name === 'sqlite'
            ? [await startHeraldProcess(env, ['serve'])]
            : await Promise.all([1, 2].map(() => startHeraldProcess(env, ['worker'], /Worker running/)));
        const sealedKeys = async () =>
          new Map(
            (await d.selectFrom('journal_records').select(['id', 'sealed_key']).execute()).map((r) => [
              r.id,
              r.sealed_key !== null,
            ]),
          );
        const shredEvents = async () =>
          (
            await d
              .selectFrom('audit_events')
              .select(['details', 'leaf_index'])
              .where('action', '=', 'journal.shred')
              .execute()
          ).map((e) => ({
            ...(JSON.parse(e.details) as { shredded: number }),
            integrated: e.leaf_index !== null,
          }));
        try {
          await eventually(
            async () => ((await sealedKeys()).get(expired[1]!) === false ? true : undefined),
            15_000,
            'the first expiry run',
          );
          // A record that expires while the process runs goes at a later run: expiry is periodic.
          const late = await capture(4, { retention: 'transient' });
          await eventually(
            async () => ((await sealedKeys()).get(late) === false ? true : undefined),
            15_000,
            'a later expiry run',
          );
          const keys = await sealedKeys();
          assert.deepEqual(
            [...expired, late].map((id) => keys.get(id)),
            [false, false, false],
            'expired records have no data key',
          );
          assert.equal(keys.get(held), true, 'the held record keeps its data key');
          assert.equal(keys.get(kept), true, 'a record within its retention keeps its data key');

          // Every record, the late one included, is a leaf before the processes stop (verify below
          // counts them; a record captured a moment ago may still wait for the next sequencer run).
          await eventually(async () => {
            const pending = await d
              .selectFrom('journal_pending')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow();
            return Number(pending.n) === 0 ? true : undefined;
          });
          // Every shred is one audit event, integrated into the audit log by the process's sequencer,
          // and with two workers no record is counted (or shredded) twice.
          const events = await eventually(async () => {
            const e = await shredEvents();
            return e.length > 0 && e.every((x) => x.integrated) ? e : undefined;
          });
          assert.equal(
            events.reduce((n, e) => n + e.shredded, 0),
            3,
            JSON.stringify(events),
          );
          for (const p of procs) {
            assert.deepEqual(
              await stopHeraldProcess(p.child, 'SIGTERM'),
              { code: 0, signal: null },
              p.output(),
            );
            assert.doesNotMatch(p.output(), /failed/, 'no loop failed, not even while stopping');
          }
        } finally {
          for (const p of procs) await stopHeraldProcess(p.child, 'SIGKILL');
        }

        // The archive key still opens the held record, and nothing opens a shredded one.
        const row = (id: string) =>
          d.selectFrom('journal_records').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        const open = async (id: string) => {
          const r = await row(id);
          return h!.vault.open({
            recordId: r.id,
            enc: r.enc,
            encSeq: r.enc_seq,
            sealedKey: r.sealed_key,
            ciphertext: r.ciphertext,
          });
        };
        assert.match(Buffer.from((await open(held)).plaintext).toString(), /CANARY-PLAINTEXT-2/);
        await assert.rejects(
          open(expired[0]!),
          (e) => isHeraldError(e) && e.code === 'HERALD_ERR_JOURNAL_SHREDDED',
        );

        const verify = await runHerald(
          ['journal', 'verify', '--log', 'journal', '--key', h.journalKey, '--db', h.url],
          {},
        );
        assert.equal(verify.code, 0, verify.stdout + verify.stderr);
        assert.match(verify.stdout, /^ok herald\.test\/journal: 5 entries, \d+ checkpoints, 3 shredded/m);
        const audit = await runHerald(
          ['journal', 'verify', '--log', 'audit', '--key', h.auditKey, '--db', h.url],
          {},
        );
        assert.equal(audit.code, 0, audit.stdout + audit.stderr);
        assert.match(audit.stdout, /^ok herald\.test\/audit: \d+ entries/m);
      });
    },
  );
}
