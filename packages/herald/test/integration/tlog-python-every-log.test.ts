// Cross-language check of every log Herald keeps, as the gateway stores them: the journal, the
// audit log and the key directory each sequence real rows in a real database, and their signed
// checkpoints, and an inclusion proof of a stored leaf against each, verify with the independent
// Python verifier (test/tlog/verify_checkpoint.py). A checkpoint presented as another log's, or
// a leaf changed by one byte, does not.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { recordAudit } from '../../src/audit/audit-log.ts';
import { auditLeafBytes } from '../../src/audit/audit-event.ts';
import type { TenantId } from '../../src/ids.ts';
import { journalLeafBytes, type TransparencyLog } from '../../src/journal/index.ts';
import { KeyDirectory } from '../../src/keys/key-directory.ts';
import { generateNoteKey, parseSignerKey } from '../../src/tlog/index.ts';
import { testDatabases } from '../support/databases.ts';
import { pythonVerifier, type PythonRun } from '../support/python-verifier.ts';
import { openJournalHarness, ORIGIN_PREFIX, sampleRecord, type JournalHarness } from './journal-harness.ts';

const T = 'ten_python_logs' as TenantId;

for (const { db, name } of testDatabases()) {
  describe(
    `every log's checkpoints verify in Python, on ${name}`,
    {
      skip: db === undefined ? 'HERALD_TEST_PG_URL is not set' : false,
    },
    () => {
      let h: JournalHarness;
      let python: (args: readonly string[]) => Promise<PythonRun>;
      // Per log: its verifier key, its origin, and the files of its checkpoint, one leaf and its proof.
      const logs: Array<{ kind: string; key: string; origin: string; files: Record<string, string> }> = [];

      before(async () => {
        python = pythonVerifier();
        h = await openJournalHarness(db!);
        const d = h.store.conn.db;
        const keysOrigin = `${ORIGIN_PREFIX}/keys`;
        const k = generateNoteKey(keysOrigin);
        const directory = new KeyDirectory({
          db: d,
          dialect: h.store.dialect,
          origin: keysOrigin,
          signer: parseSignerKey(k.signerKey),
        });
        await d.transaction().execute(async (trx) => {
          for (let i = 0; i < 13; i++) await h.journal.capture(trx, sampleRecord(i, T));
        });
        for (let i = 0; i < 11; i++)
          await recordAudit(d, {
            actor: { id: `key_${i}`, role: 'admin', tenantId: T },
            action: 'key.create',
            target: `k${i}`,
          });
        for (let i = 0; i < 9; i++)
          await directory.append(d, {
            action: 'publish',
            tenantId: T,
            userId: 'user_1',
            deviceId: `dev_${i}`,
            key: randomBytes(32),
            at: 1_700_000_000_000 + i,
          });

        // One stored leaf of each log, as the bytes an outside verifier would rebuild from the row.
        const journalRow = await d
          .selectFrom('journal_records')
          .selectAll()
          .orderBy('id')
          .limit(1)
          .offset(7)
          .executeTakeFirstOrThrow();
        const auditRow = await d
          .selectFrom('audit_events')
          .selectAll()
          .orderBy('id')
          .limit(1)
          .offset(5)
          .executeTakeFirstOrThrow();
        const keysRow = await d
          .selectFrom('key_directory_entries')
          .selectAll()
          .orderBy('id')
          .limit(1)
          .offset(3)
          .executeTakeFirstOrThrow();
        const cases: Array<[string, TransparencyLog, string, string, Uint8Array]> = [
          [
            'journal',
            h.journal.log,
            h.journalKey,
            journalRow.id,
            journalLeafBytes({
              id: journalRow.id,
              tenantId: journalRow.tenant_id,
              messageId: journalRow.message_id,
              kind: journalRow.kind,
              retention: journalRow.retention,
              capturedAt: Number(journalRow.captured_at),
              labels: JSON.parse(journalRow.labels) as string[],
              subjects: JSON.parse(journalRow.subjects) as string[],
              keyDigest: journalRow.key_digest,
              ciphertext: journalRow.ciphertext,
            }),
          ],
          [
            'audit',
            h.audit.log,
            h.auditKey,
            auditRow.id,
            auditLeafBytes({ ...auditRow, at: Number(auditRow.at) }),
          ],
          ['keys', directory.log, k.verifierKey, keysRow.id, new TextEncoder().encode(keysRow.entry)],
        ];
        for (const [kind, log, key, id, leaf] of cases) {
          await log.sequence();
          // The journal's leaf index is in journal_leaves (ADR 0015); the other logs keep it in the row.
          const { leaf_index: index } =
            kind === 'journal'
              ? await d
                  .selectFrom('journal_leaves')
                  .select('leaf_index')
                  .where('record_id', '=', id)
                  .executeTakeFirstOrThrow()
              : await d
                  .selectFrom(kind === 'audit' ? 'audit_events' : 'key_directory_entries')
                  .select('leaf_index')
                  .where('id', '=', id)
                  .executeTakeFirstOrThrow();
          const note = (await log.checkpoint())!;
          const size = Number(note.split('\n')[1]);
          const file = (n: string, content: string | Uint8Array) => {
            const p = join(h.dir, `${kind}-${n}`);
            writeFileSync(p, content);
            return p;
          };
          logs.push({
            kind,
            key,
            origin: log.origin,
            files: {
              checkpoint: file('checkpoint', note),
              leaf: file('leaf', leaf),
              otherLeaf: file('other-leaf', Buffer.concat([leaf, Buffer.from(' ')])),
              proof: file('proof.json', JSON.stringify(await log.inclusionProof(Number(index), size))),
            },
          });
        }
      });
      after(() => h?.dispose());

      it('accepts each log’s stored checkpoint and an inclusion proof of a stored leaf', async () => {
        assert.deepEqual(
          logs.map((l) => l.kind),
          ['journal', 'audit', 'keys'],
        );
        const runs = await Promise.all(
          logs.flatMap((l) => [
            python(['--key', l.key, '--origin', l.origin, l.files.checkpoint!]),
            python([
              '--key',
              l.key,
              '--inclusion',
              l.files.proof!,
              '--leaf',
              l.files.leaf!,
              l.files.checkpoint!,
            ]),
          ]),
        );
        runs.forEach((r) => assert.equal(r.code, 0, r.stderr));
        assert.match(runs[0]!.stdout, /^OK: herald\.test\/journal size 13 /);
        assert.match(runs[2]!.stdout, /^OK: herald\.test\/audit size 11 /);
        assert.match(runs[4]!.stdout, /^OK: herald\.test\/keys size 9 /);
      });

      it('rejects a checkpoint taken for another log, another log’s key, and a changed leaf', async () => {
        const [journal, audit, keys] = logs;
        const runs = await Promise.all([
          // The audit checkpoint presented as the key directory's (its origin says otherwise).
          python(['--key', audit!.key, '--origin', keys!.origin, audit!.files.checkpoint!]),
          // The key directory's checkpoint checked with the journal's key.
          python(['--key', journal!.key, keys!.files.checkpoint!]),
          python([
            '--key',
            keys!.key,
            '--inclusion',
            keys!.files.proof!,
            '--leaf',
            keys!.files.otherLeaf!,
            keys!.files.checkpoint!,
          ]),
          python([
            '--key',
            audit!.key,
            '--inclusion',
            audit!.files.proof!,
            '--leaf',
            audit!.files.otherLeaf!,
            audit!.files.checkpoint!,
          ]),
        ]);
        runs.forEach((r, i) => {
          assert.equal(r.code, 1, `case ${i}: ${r.stdout}${r.stderr}`);
          assert.match(r.stderr, /^FAIL: /);
        });
      });
    },
  );
}
