// The journal copy of an end-to-end-encrypted message, sealed by the sending service's SDK to
// the archive key it was given (DESIGN decision 8), against a real Herald on SQLite and
// PostgreSQL: the gateway forwards MLS ciphertext and stores the sealed copy in the journal
// record without being able to read it; the compliance path (`herald journal export`, four-eyes,
// with the archive key) reads it back; `herald journal verify` checks the export; retention
// shreds it; and an SDK refuses a gateway that shows another archive key.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { journalExportCommand, journalVerifyCommand } from '../../../herald/src/cli/journal-commands.ts';
import type { ExportedRecord, ExportManifest } from '../../../herald/src/journal/export-format.ts';
import { FileKeyVault } from '../../../herald/src/journal/file-key-vault.ts';
import { expireJournalRecords } from '../../../herald/src/journal/retention-job.ts';
import { testDatabases } from '../../../herald/test/support/databases.ts';
import {
  createDevice,
  createHerald,
  isHeraldApiError,
  isHeraldSdkError,
  MemoryStore,
  type DeviceClient,
} from '../../src/index.ts';
import { journalSealer, nodeMlsEngine } from '../../src/node.ts';
import { dumpTables } from '../support/dump-tables.ts';
import { receive } from '../support/receive.ts';
import { LOG_PREFIX, startSecureGateway, type SecureGateway } from '../support/secure-gateway.ts';

// Must never appear in the gateway's database or logs.
const CANARY = 'canary-5e3b-journaled-restricted';
const CANARY_REF = 'canary-ref-8d21';

for (const { name, db } of testDatabases()) {
  describe(
    `Journal copies sealed by the sender (${name})`,
    { timeout: 180_000, skip: db ? false : 'HERALD_TEST_PG_URL is not set' },
    () => {
      let gw: SecureGateway;
      let dbUrl: string;
      let dispose: () => Promise<void>;
      let admin: string;
      let tenantId: string;
      const out = mkdtempSync(join(tmpdir(), 'herald-journal-copy-'));
      const devices: DeviceClient[] = [];

      before(async () => {
        const opened = await db!.open();
        dispose = opened.dispose;
        dbUrl = opened.url;
        gw = await startSecureGateway(opened.store);
        admin = await gw.apiKey('acme', 'admin');
        tenantId = (await gw.store.tenants.findTenantByName('acme'))!.id;
      });
      after(async () => {
        for (const d of devices) await d.close();
        await gw.close();
        await dispose();
        rmSync(out, { recursive: true, force: true });
      });

      async function enroll(userId: string): Promise<DeviceClient> {
        const token = await gw.enrollmentToken(admin, userId);
        const d = await createDevice({
          baseUrl: gw.url,
          store: new MemoryStore(),
          directoryVerifierKey: gw.verifierKey,
          mlsEngine: nodeMlsEngine,
          pollIntervalMs: 200,
        });
        await d.enroll({ enrollmentToken: token });
        devices.push(d);
        return d;
      }

      /** `herald journal export` of the tenant's journal, requested and approved by two officers. */
      async function exportJournal(dir: string): Promise<Map<string, ExportedRecord>> {
        const officers = [await gw.apiKey('acme', 'compliance'), await gw.apiKey('acme', 'compliance')];
        const lines: string[] = [];
        const io = (apiKey: string) => ({
          stdout: (l: string) => lines.push(l),
          stderr: { write: () => true },
          env: {
            HERALD_DATABASE_URL: dbUrl,
            HERALD_JOURNAL_ORIGIN: `${LOG_PREFIX}/journal`,
            HERALD_AUDIT_ORIGIN: `${LOG_PREFIX}/audit`,
            HERALD_API_KEY: apiKey,
          },
        });
        assert.equal(await journalExportCommand(['request', '--tenant', tenantId], io(officers[0]!)), 0);
        const id = lines.at(-1)!;
        for (const k of officers) assert.equal(await journalExportCommand(['approve', id], io(k)), 0);
        const run = ['run', id, '--archive-key', gw.archiveKeyFile, '--out', dir];
        assert.equal(await journalExportCommand(run, io(officers[1]!)), 0);
        const verify = ['--export', dir, '--key', gw.journalVerifierKey];
        assert.equal(await journalVerifyCommand(verify, io(officers[0]!)), 0, lines.join('\n'));
        const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ExportManifest;
        const records = manifest.records.map(
          (r) => JSON.parse(readFileSync(join(dir, r.file), 'utf8')) as ExportedRecord,
        );
        return new Map(records.map((r) => [r.meta.messageId ?? r.id, r]));
      }

      /** Waits until the message's journal record is a leaf under a signed checkpoint. */
      async function journaled(messageId: string): Promise<void> {
        const end = Date.now() + 10_000;
        for (;;) {
          const row = await gw.store.conn.db
            .selectFrom('journal_records as r')
            .leftJoin('journal_leaves as l', 'l.record_id', 'r.id')
            .select('l.leaf_index')
            .where('r.message_id', '=', messageId)
            .executeTakeFirst();
          const cp = await gw.recordLogs.journal.log.checkpoint();
          if (row?.leaf_index != null && cp) {
            const size = Number(/\n(\d+)\n/.exec(cp)![1]);
            if (size > Number(row.leaf_index)) return;
          }
          assert.ok(Date.now() < end, 'the record was integrated in time');
          await new Promise((r) => setTimeout(r, 50));
        }
      }

      it('exports the readable copy through the compliance path while the gateway keeps no plaintext', async () => {
        const alice = await enroll('alice');
        const service = await enroll('svc-audit');
        const sender = await gw.apiKey('acme', 'sender');
        const bodies: string[] = [];
        const herald = createHerald({
          baseUrl: gw.url,
          apiKey: sender,
          secure: { device: service },
          journal: journalSealer(gw.archivePublicKey),
          fetch: (url, init) => {
            if (typeof init.body === 'string') bodies.push(init.body);
            return fetch(url, init);
          },
        });
        const sent = await herald.messages.send({
          to: { userId: 'alice' },
          content: { text: CANARY },
          classification: 'restricted',
          labels: { journal: 'sealed' },
          clientReference: CANARY_REF,
        });
        assert.equal(sent.decision.route[0]?.channel, 'secure');
        assert.ok(
          bodies.some((b) => b.includes('"journalCopy"')),
          'the sealed copy went along',
        );
        assert.ok(
          bodies.every((b) => !b.includes(CANARY) && !b.includes(CANARY_REF)),
          'no plaintext sent',
        );
        assert.deepEqual(
          (await receive(alice, 1)).map((m) => m.text),
          [CANARY],
        );
        await journaled(sent.id);

        const dump = await dumpTables(gw.store);
        for (const secret of [CANARY, CANARY_REF]) {
          assert.ok(!dump.includes(secret), `no ${secret} in the database`);
          assert.ok(!gw.logs().includes(secret), `no ${secret} in the logs`);
        }

        const exported = (await exportJournal(join(out, 'first'))).get(sent.id);
        assert.ok(exported, 'the message is in the export');
        const record = exported.record as {
          content: { mls?: unknown; text?: unknown };
          recipients: string[];
        };
        assert.ok(record.content.mls, 'the record holds the ciphertext as captured');
        assert.equal(record.content.text, undefined, 'the gateway never had the text');
        assert.ok(exported.senderCopy && 'copy' in exported.senderCopy, JSON.stringify(exported.senderCopy));
        assert.deepEqual(exported.senderCopy.copy, {
          v: 1,
          text: CANARY,
          recipients: ['user:alice'],
          clientReference: CANARY_REF,
          mlsDigest: exported.senderCopy.copy.mlsDigest,
        });
        assert.equal(exported.senderCopy.matchesMessage, true, 'the copy is bound to the ciphertext sent');
        // `herald journal verify` checks the copy too: an edited copy fails the export.
        const file = join(out, 'first', 'records', `${exported.index}.json`);
        const edited = JSON.parse(readFileSync(file, 'utf8')) as { senderCopy: { copy: { text: string } } };
        edited.senderCopy.copy.text = 'something else';
        writeFileSync(file, JSON.stringify(edited));
        const lines: string[] = [];
        const verify = ['--export', join(out, 'first'), '--key', gw.journalVerifierKey];
        const quiet = { stdout: (l: string) => lines.push(l), stderr: { write: () => true } };
        assert.equal(await journalVerifyCommand(verify, quiet), 1);
        assert.match(lines.join('\n'), /sender's copy is not what the sender sealed/);

        // Retention expiry destroys the record's data key: the copy inside it goes with it.
        const eightYears = Date.now() + 8 * 365 * 86_400_000;
        const shred = await expireJournalRecords(
          { db: gw.store.conn.db, dialect: gw.store.dialect, audit: gw.recordLogs.audit },
          { now: eightYears },
        );
        assert.ok(shred.shredded >= 1);
        const after = (await exportJournal(join(out, 'shredded'))).get(sent.id)!;
        assert.equal(after.shredded, true);
        assert.equal(after.record, null);
        assert.equal(after.senderCopy, undefined, 'nothing of the copy is readable any more');
        const vault = await FileKeyVault.load(gw.archiveKeyFile);
        assert.equal(
          Buffer.from(await vault.publicKey()).toString('base64'),
          gw.archivePublicKey,
          'the export used the archive key the sender sealed to',
        );
      });

      it('refuses a journaled end-to-end-encrypted send without a copy, writing nothing', async () => {
        const service = await enroll('svc-nocopy');
        await enroll('carol');
        const herald = createHerald({
          baseUrl: gw.url,
          apiKey: await gw.apiKey('acme', 'sender'),
          secure: { device: service },
        });
        const before = await gw.store.conn.db
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        await assert.rejects(
          herald.messages.send({
            to: { userId: 'carol' },
            content: { text: 'needs a copy' },
            classification: 'restricted',
            labels: { journal: 'sealed' },
          }),
          (err) =>
            isHeraldApiError(err) && err.code === 'HERALD_ERR_JOURNAL_COPY_REQUIRED' && err.status === 422,
        );
        const afterCount = await gw.store.conn.db
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        assert.equal(Number(afterCount.n), Number(before.n), 'no message was stored');
        // Not journaled: a copy sent along is not kept.
        const withCopy = createHerald({
          baseUrl: gw.url,
          apiKey: await gw.apiKey('acme', 'sender'),
          secure: { device: service },
          journal: journalSealer(gw.archivePublicKey),
        });
        const plain = await withCopy.messages.send({
          to: { userId: 'carol' },
          content: { text: 'not journaled' },
          classification: 'restricted',
        });
        const rows = await gw.store.conn.db
          .selectFrom('journal_records')
          .select('id')
          .where('message_id', '=', plain.id)
          .execute();
        assert.deepEqual(rows, [], 'no journal record for a message the policy does not journal');
      });

      it('refuses to send through a gateway that shows another archive key', async () => {
        const service = await enroll('svc-pinned');
        await enroll('dave');
        // The compliance team's key, pinned in the service's configuration, is not the one this
        // gateway seals to (as a compromised gateway would, to read the copies).
        const other = await FileKeyVault.generate(join(out, 'other-archive.key'));
        const pinned = Buffer.from(await other.publicKey()).toString('base64');
        const posts: string[] = [];
        const herald = createHerald({
          baseUrl: gw.url,
          apiKey: await gw.apiKey('acme', 'sender'),
          secure: { device: service },
          journal: journalSealer(pinned),
          fetch: (url, init) => {
            if (init.method === 'POST') posts.push(String(url));
            return fetch(url, init);
          },
        });
        await assert.rejects(
          herald.messages.send({
            to: { userId: 'dave' },
            content: { text: 'never sent' },
            classification: 'restricted',
            labels: { journal: 'sealed' },
          }),
          (err) => isHeraldSdkError(err, 'HERALD_SDK_ARCHIVE_KEY_MISMATCH'),
        );
        assert.deepEqual(posts, [], 'no message was posted');
      });
    },
  );
}
