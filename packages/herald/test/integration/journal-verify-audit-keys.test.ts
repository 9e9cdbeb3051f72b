// `herald journal verify` over the other two logs Herald keeps, the audit log and the key
// directory, on SQLite and PostgreSQL: each passes untouched, and an edited, deleted or reordered
// row fails naming the first bad entry (the journal's own cases are in journal-log.test.ts).
// `--log all` (the default) verifies every log and never skips one without a key.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { recordAudit } from '../../src/audit/audit-log.ts';
import { journalVerifyCommand, type JournalCliIo } from '../../src/cli/journal-commands.ts';
import type { TenantId } from '../../src/ids.ts';
import { KeyDirectory } from '../../src/keys/key-directory.ts';
import { generateNoteKey, parseSignerKey } from '../../src/tlog/index.ts';
import { testDatabases } from '../support/databases.ts';
import { openJournalHarness, ORIGIN_PREFIX, sampleRecord, type JournalHarness } from './journal-harness.ts';

const T = 'ten_verify_test' as TenantId;
const KEYS_ORIGIN = `${ORIGIN_PREFIX}/keys`;

interface Setup {
  readonly h: JournalHarness;
  readonly directory: KeyDirectory;
  readonly keysKey: string;
  dispose(): Promise<void>;
}

/** Which table holds a log's rows, its verifier key, and how to add its `i`th entry. */
const LOGS = {
  audit: {
    table: 'audit_events',
    key: (s: Setup) => s.h.auditKey,
    add: (s: Setup, i: number) =>
      recordAudit(s.h.store.conn.db, {
        actor: { id: `key_${i}`, role: 'admin', tenantId: T },
        action: 'key.create',
        target: `key_new_${i}`,
      }).then(() => undefined),
    sequence: (s: Setup) => s.h.audit.log.sequence(),
  },
  keys: {
    table: 'key_directory_entries',
    key: (s: Setup) => s.keysKey,
    add: (s: Setup, i: number) =>
      s.directory
        .append(s.h.store.conn.db, {
          action: i % 3 === 2 ? 'revoke' : 'publish',
          tenantId: T,
          userId: `user_${i % 2}`,
          deviceId: `dev_${i}`,
          key: randomBytes(32),
          at: 1_700_000_000_000 + i,
        })
        .then(() => undefined),
    sequence: (s: Setup) => s.directory.log.sequence(),
  },
} as const;

for (const { db, name } of testDatabases()) {
  describe(
    `journal verify, audit and keys logs, on ${name}`,
    {
      skip: db === undefined ? 'HERALD_TEST_PG_URL is not set' : false,
    },
    () => {
      let s: Setup | undefined;
      const fresh = async (): Promise<Setup> => {
        await s?.dispose();
        const h = await openJournalHarness(db!);
        const k = generateNoteKey(KEYS_ORIGIN);
        const directory = new KeyDirectory({
          db: h.store.conn.db,
          dialect: h.store.dialect,
          origin: KEYS_ORIGIN,
          signer: parseSignerKey(k.signerKey),
        });
        s = { h, directory, keysKey: k.verifierKey, dispose: () => h.dispose() };
        return s;
      };
      after(() => s?.dispose());

      let out: string[] = [];
      let err = '';
      const io = (): JournalCliIo => ({
        stdout: (l) => out.push(l),
        stderr: { write: (t: string) => (err += t) },
        env: {},
      });
      const run = async (args: string[]): Promise<number> => {
        out = [];
        err = '';
        return journalVerifyCommand([...args, '--db', s!.h.url], io());
      };

      for (const kind of ['audit', 'keys'] as const) {
        const log = LOGS[kind];
        describe(`the ${kind} log`, () => {
          // Eight entries under two checkpoints (5 and 8), so consistency is checked too.
          const setup = async () => {
            const x = await fresh();
            for (let i = 0; i < 5; i++) await log.add(x, i);
            assert.equal((await log.sequence(x)).size, 5);
            for (let i = 5; i < 8; i++) await log.add(x, i);
            assert.equal((await log.sequence(x)).size, 8);
            const rows = await x.h.store.conn.db
              .selectFrom(log.table)
              .select(['id', 'leaf_index'])
              .orderBy('leaf_index')
              .execute();
            return { x, d: x.h.store.conn.db, ids: rows.map((r) => r.id) };
          };
          const verify = (x: Setup) => run(['--log', kind, '--key', log.key(x)]);

          it('verifies untouched, with a progress bar', async () => {
            const { x } = await setup();
            assert.equal(await verify(x), 0, out.join('\n'));
            assert.match(out[0]!, new RegExp(`^ok ${ORIGIN_PREFIX}/${kind}: 8 entries, 2 checkpoints`));
            assert.match(err, new RegExp(`verify ${ORIGIN_PREFIX}/${kind} \\[#{30}\\] 100% 8/8`));
          });

          it('fails naming the first bad entry when a stored row is edited', async () => {
            const { x, d, ids } = await setup();
            if (kind === 'audit') {
              await d
                .updateTable('audit_events')
                .set({ target: 'key_other' })
                .where('id', '=', ids[3]!)
                .execute();
            } else {
              // The attack key transparency exists for: another key served for the same device.
              const row = await d
                .selectFrom('key_directory_entries')
                .select('entry')
                .where('id', '=', ids[3]!)
                .executeTakeFirstOrThrow();
              const swapped = row.entry.replace(
                /"key":"[^"]+"/,
                `"key":"${randomBytes(32).toString('base64')}"`,
              );
              assert.notEqual(swapped, row.entry);
              await d
                .updateTable('key_directory_entries')
                .set({ entry: swapped })
                .where('id', '=', ids[3]!)
                .execute();
            }
            assert.equal(await verify(x), 1);
            assert.equal(
              out[0],
              `FAILED ${ORIGIN_PREFIX}/${kind}: first bad entry 3 (${ids[3]}): the stored row does not match its leaf in the log`,
            );
          });

          it('fails naming the first bad entry when a row is deleted', async () => {
            const { x, d, ids } = await setup();
            await d.deleteFrom(log.table).where('id', '=', ids[5]!).execute();
            assert.equal(await verify(x), 1);
            assert.match(out[0]!, /^FAILED .*: first bad entry 5: entry 5 is missing$/);
          });

          it('fails naming the first bad entry when two rows are reordered', async () => {
            const { x, d, ids } = await setup();
            await d.updateTable(log.table).set({ leaf_index: 1000 }).where('id', '=', ids[2]!).execute();
            await d.updateTable(log.table).set({ leaf_index: 2 }).where('id', '=', ids[6]!).execute();
            await d.updateTable(log.table).set({ leaf_index: 6 }).where('id', '=', ids[2]!).execute();
            assert.equal(await verify(x), 1);
            assert.match(
              out[0]!,
              new RegExp(`first bad entry 2 \\(${ids[6]}\\): the stored row does not match`),
            );
          });
        });
      }

      it('keys: fails when a row is moved to another device while its signed entry stays', async () => {
        const x = await fresh();
        for (let i = 0; i < 4; i++) await LOGS.keys.add(x, i);
        await x.directory.log.sequence();
        const d = x.h.store.conn.db;
        const ids = (
          await d.selectFrom('key_directory_entries').select('id').orderBy('leaf_index').execute()
        ).map((r) => r.id);
        // Lookups go by these columns: dev_1 would be served dev_2's key.
        await d
          .updateTable('key_directory_entries')
          .set({ device_id: 'dev_1' })
          .where('id', '=', ids[2]!)
          .execute();
        assert.equal(await run(['--log', 'keys', '--key', x.keysKey]), 1);
        assert.match(
          out[0]!,
          new RegExp(`first bad entry 2 \\(${ids[2]}\\): its columns .* do not match its entry`),
        );
      });

      it('verifies every log by default, each with its own key, and refuses to skip one', async () => {
        const x = await fresh();
        await x.h.store.conn.db.transaction().execute(async (trx) => {
          for (let i = 0; i < 3; i++) await x.h.journal.capture(trx, sampleRecord(i, T));
        });
        await x.h.journal.log.sequence();
        for (let i = 0; i < 4; i++) await LOGS.audit.add(x, i);
        await x.h.audit.log.sequence();
        for (let i = 0; i < 5; i++) await LOGS.keys.add(x, i);
        await x.directory.log.sequence();
        // Keys in any order: each goes to the log its name (the log's origin) ends with.
        const keys = ['--key', x.keysKey, '--key', x.h.journalKey, '--key', x.h.auditKey];
        assert.equal(await run(keys), 0, out.join('\n'));
        assert.deepEqual(
          out.map((l) => l.replace(/, \d+ shredded.*/, '')),
          [
            `ok ${ORIGIN_PREFIX}/journal: 3 entries, 1 checkpoints`,
            `ok ${ORIGIN_PREFIX}/audit: 4 entries, 1 checkpoints`,
            `ok ${ORIGIN_PREFIX}/keys: 5 entries, 1 checkpoints`,
          ],
        );
        for (const [kind, n] of [
          ['journal', 3],
          ['audit', 4],
          ['keys', 5],
        ] as const)
          assert.match(err, new RegExp(`verify ${ORIGIN_PREFIX}/${kind} \\[#{30}\\] 100% ${n}/${n}`));

        // A key from the environment counts; a log with no key at all is a usage error, not a skip.
        out = [];
        err = '';
        const env = { HERALD_KEYS_LOG_KEY: x.keysKey };
        const args = ['--key', x.h.journalKey, '--key', x.h.auditKey, '--db', x.h.url];
        assert.equal(await journalVerifyCommand(args, { ...io(), env }), 0, out.join('\n'));
        assert.equal(out.length, 3);
        assert.equal(await run(keys.slice(0, 4)), 2);
        assert.match(err, /no verifier key for the audit log/);

        // One bad log fails the run; the others are still reported.
        await x.h.store.conn.db.deleteFrom('key_directory_entries').where('leaf_index', '=', 0).execute();
        assert.equal(await run(keys), 1);
        assert.match(out[0]!, /^ok .*\/journal/);
        assert.match(out[1]!, /^ok .*\/audit/);
        assert.match(out[2]!, /^FAILED herald\.test\/keys: first bad entry 0: entry 0 is missing/);
      });
    },
  );
}
