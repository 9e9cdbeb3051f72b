// A sequencer killed (SIGKILL) while it integrates a batch, on SQLite and PostgreSQL: after a
// restart of a real `herald worker`, every record is in the log exactly once, every checkpoint
// verifies, the checkpoint published before the crash is consistent with the one after, and
// `herald journal verify` passes.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import {
  consistencyProofFromJson,
  inclusionProofFromJson,
  openCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from '../../src/tlog/index.ts';
import { testDatabases } from '../support/databases.ts';
import { storedLeafCount } from '../support/tlog-tiles.ts';
import { eventually } from '../support/dispatcher-harness.ts';
import { kill, runHerald, startHeraldProcess, stopHeraldProcess } from '../support/herald-process.ts';
import { openJournalHarness, sampleRecord, type JournalHarness } from './journal-harness.ts';

const T = 'ten_crash';
const SEQUENCER = fileURLToPath(new URL('../support/crashing-sequencer.ts', import.meta.url));
const FIRST = 100;
const BIG = 5000;
const TIMED_ROUNDS = 2;

/** Starts the child sequencer and resolves once it prints a line matching `ready`. */
function startSequencer(
  env: Record<string, string>,
  args: string[],
  ready: RegExp,
): Promise<{ child: ChildProcess; line: RegExpExecArray }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SEQUENCER, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const look = (c: Buffer) => {
      out += c.toString();
      const m = ready.exec(out);
      if (m) resolve({ child, line: m });
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    child.once('exit', (code) => reject(new Error(`sequencer exited with ${code}: ${out}`)));
  });
}

for (const { db, name } of testDatabases()) {
  describe(
    `a sequencer crash on ${name}`,
    { skip: db === undefined ? 'HERALD_TEST_PG_URL is not set' : false },
    () => {
      let h: JournalHarness | undefined;
      after(() => h?.dispose());

      it('leaves every record integrated exactly once after a restart, with consistent checkpoints', async () => {
        h = await openJournalHarness(db!);
        const d = h.store.conn.db;
        const captureMany = async (from: number, n: number) => {
          for (let i = from; i < from + n; i += 1000) {
            await d.transaction().execute(async (trx) => {
              for (let k = i; k < Math.min(from + n, i + 1000); k++)
                await h!.journal.capture(trx, sampleRecord(k, T));
            });
          }
        };
        const state = async () => {
          const rows = await d
            .selectFrom('journal_records as r')
            .leftJoin('journal_leaves as l', 'l.record_id', 'r.id')
            .select('l.leaf_index')
            .execute();
          const indexes = rows.flatMap((r) => (r.leaf_index === null ? [] : [Number(r.leaf_index)]));
          const pending = await d.selectFrom('journal_pending').select('record_id').execute();
          const cps = await h!.journal.log.checkpoints();
          return {
            records: rows.length,
            integrated: indexes.length,
            pending: pending.length,
            distinct: new Set(indexes).size,
            highest: indexes.length === 0 ? -1 : Math.max(...indexes),
            size: await h!.journal.log.tree().size(),
            leaves: await storedLeafCount(d, h!.journal.log.origin),
            latest: cps[cps.length - 1],
          };
        };
        // What must hold at every instant: the integrated records are exactly leaves 0…size-1,
        // one leaf each, and no checkpoint covers more than the stored tree.
        const assertConsistent = async (what: string) => {
          const s = await state();
          assert.equal(s.integrated, s.size, `${what}: ${JSON.stringify(s)}`);
          assert.equal(s.distinct, s.size, what);
          assert.equal(s.highest, s.size - 1, what);
          assert.equal(s.leaves, s.size, what);
          assert.equal(s.latest?.size, s.size, what);
          // Every record is either queued or a leaf, never both, never neither.
          assert.equal(s.pending + s.integrated, s.records, what);
          return s;
        };

        await captureMany(0, FIRST);
        await h.journal.log.sequenceAll();
        const before = (await h.journal.log.checkpoint())!;
        await captureMany(FIRST, BIG);

        // 1. Killed inside one large batch, after its nodes and leaf indexes are written.
        const hung = await startSequencer(h.processEnv, ['hang', String(BIG)], /integrating up to (\d+)/);
        assert.equal(Number(hung.line[1]), FIRST + BIG - 1, 'the whole batch was written when it died');
        await kill(hung.child, 'SIGKILL');
        const afterKill = await assertConsistent('after the kill inside a batch');
        assert.equal(afterKill.size, FIRST, 'nothing of the killed batch survived');
        assert.equal(afterKill.latest?.note, before);

        // 2. Killed at random moments while it works through batches of 500 (a cold process
        //    integrates a few thousand leaves a second, so kills land before, inside and between batches).
        for (let round = 0; round < TIMED_ROUNDS; round++) {
          const run = await startSequencer(h.processEnv, ['run', '500'], /sequencing/);
          await new Promise((r) => setTimeout(r, 100 + Math.floor(Math.random() * 900)));
          await kill(run.child, 'SIGKILL');
          await assertConsistent(`after timed kill ${round + 1}`);
        }

        // 3. Restart: a real worker's sequencer integrates what is left.
        const worker = await startHeraldProcess(h.processEnv, ['worker'], /Worker running/);
        try {
          await eventually(
            async () => ((await state()).size === FIRST + BIG ? true : undefined),
            60_000,
            'the restarted worker to integrate every record',
          );
          assert.deepEqual(await stopHeraldProcess(worker.child, 'SIGTERM'), { code: 0, signal: null });
        } finally {
          await kill(worker.child, 'SIGKILL');
        }
        const end = await assertConsistent('after the restart');
        assert.equal(end.records, FIRST + BIG);

        // Every checkpoint verifies; the one from before the crash is consistent with the latest.
        const cps = await h.journal.log.checkpoints();
        for (const cp of cps) assert.equal(openCheckpoint(cp.note, h.journalTrust).checkpoint.size, cp.size);
        const old = openCheckpoint(before, h.journalTrust).checkpoint;
        const now = openCheckpoint(end.latest!.note, h.journalTrust).checkpoint;
        const proof = consistencyProofFromJson(await h.journal.log.consistencyProof(old.size, now.size));
        assert.ok(verifyConsistency(proof, old.root, now.root), 'old checkpoint → new checkpoint');
        const last = await d
          .selectFrom('journal_leaves as l')
          .innerJoin('journal_records as r', 'r.id', 'l.record_id')
          .select('r.leaf_hash')
          .where('l.leaf_index', '=', FIRST + BIG - 1)
          .executeTakeFirstOrThrow();
        const inclusion = inclusionProofFromJson(
          await h.journal.log.inclusionProof(FIRST + BIG - 1, now.size),
        );
        assert.ok(verifyInclusion(inclusion, Uint8Array.from(last.leaf_hash), now.root));

        const verify = await runHerald(
          ['journal', 'verify', '--log', 'journal', '--key', h.journalKey, '--db', h.url],
          {},
        );
        assert.equal(verify.code, 0, verify.stdout + verify.stderr);
        assert.match(
          verify.stdout,
          new RegExp(
            `^ok herald\\.test/journal: ${FIRST + BIG} entries, \\d+ checkpoints, 0 shredded.*, 0 pending`,
            'm',
          ),
        );
      });
    },
  );
}
