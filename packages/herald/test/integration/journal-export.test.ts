// `herald journal export` (four-eyes) and `herald journal verify` through their CLI functions,
// on SQLite: approvals by two different compliance users, decrypted JSON and .eml with proofs,
// export verification naming the first bad record, and the audit trail of it all.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateApiKey } from '../../src/api/api-key.ts';
import {
  journalExportCommand,
  journalVerifyCommand,
  type JournalCliIo,
} from '../../src/cli/journal-commands.ts';
import { isHeraldError } from '../../src/errors/index.ts';
import type { ExportManifest, ExportedRecord } from '../../src/journal/index.ts';
import { testDatabases } from '../support/databases.ts';
import {
  AUDIT_ORIGIN,
  JOURNAL_ORIGIN,
  openJournalHarness,
  sampleRecord,
  type JournalHarness,
} from './journal-harness.ts';

const code = (c: string) => (err: unknown) => isHeraldError(err) && err.code === c;

describe('journal export and verify commands', () => {
  let h: JournalHarness;
  const keys: Record<string, string> = {};
  let out: string[] = [];
  let err = '';
  const io = (apiKey?: string): JournalCliIo => ({
    stdout: (l) => out.push(l),
    stderr: { write: (s: string) => (err += s) },
    env: {
      HERALD_DATABASE_URL: h.url,
      HERALD_JOURNAL_ORIGIN: JOURNAL_ORIGIN,
      HERALD_AUDIT_ORIGIN: AUDIT_ORIGIN,
      ...(apiKey ? { HERALD_API_KEY: apiKey } : {}),
    },
  });
  let tenantId = '';

  before(async () => {
    h = await openJournalHarness(testDatabases()[0]!.db!);
    const tenant = await h.store.tenants.createTenant('acme');
    tenantId = tenant.id;
    for (const [who, role] of [
      ['alice', 'compliance'],
      ['bob', 'compliance'],
      ['carol', 'admin'],
    ] as const) {
      const k = generateApiKey();
      await h.store.tenants.createApiKey(tenant.id, role, who, k.hash);
      keys[who] = k.key;
    }
    await h.store.conn.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 4; i++) await h.journal.capture(trx, sampleRecord(i, tenantId));
      await h.journal.capture(trx, sampleRecord(9, 'ten_other'));
    });
    await h.journal.log.sequence();
  });
  after(() => h?.dispose());

  it('needs the compliance role and approvals by two different compliance users', async () => {
    await assert.rejects(
      journalExportCommand(['request', '--tenant', tenantId], io(keys.carol)),
      code('HERALD_ERR_AUTH_FORBIDDEN'),
    );
    out = [];
    assert.equal(
      await journalExportCommand(['request', '--tenant', tenantId, '--label', 'trading'], io(keys.alice)),
      0,
    );
    const id = out[0]!;
    const run = ['run', id, '--archive-key', h.keyFile, '--out', join(h.dir, 'export')];
    assert.equal(await journalExportCommand(['approve', id], io(keys.alice)), 0);
    await assert.rejects(
      journalExportCommand(['approve', id], io(keys.alice)),
      code('HERALD_ERR_JOURNAL_EXPORT_ALREADY_APPROVED'),
    );
    await assert.rejects(
      journalExportCommand(run, io(keys.alice)),
      code('HERALD_ERR_JOURNAL_EXPORT_NOT_APPROVED'),
    );
    assert.equal(await journalExportCommand(['approve', id], io(keys.bob)), 0);
    out = [];
    assert.equal(await journalExportCommand(run, io(keys.bob)), 0);
    assert.match(out[0]!, /exported 4 records \(0 shredded\) at tree size 5/);
    await assert.rejects(journalExportCommand(run, io(keys.alice)), code('HERALD_ERR_JOURNAL_EXPORT_DONE'));

    const dir = join(h.dir, 'export');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ExportManifest;
    assert.deepEqual(manifest.approvedBy.length, 2);
    assert.deepEqual(
      manifest.records.map((r) => r.index),
      [0, 1, 2, 3],
    );
    const first = JSON.parse(readFileSync(join(dir, manifest.records[0]!.file), 'utf8')) as ExportedRecord;
    assert.match(JSON.stringify(first.record), /CANARY-PLAINTEXT-0/);
    const eml = readFileSync(join(dir, manifest.records[0]!.eml!), 'utf8');
    assert.match(
      eml,
      /^From: desk@acme\.example\r\nTo: canary-rcpt-0@example\.com\r\nSubject: CANARY-SUBJECT-0\r\n/,
    );
    assert.ok(!existsSync(join(dir, 'records/1.eml')), 'only email-shaped records get an .eml');

    await h.audit.log.sequenceAll();
    const actions = await h.store.conn.db
      .selectFrom('audit_events')
      .select('action')
      .orderBy('leaf_index')
      .execute();
    assert.deepEqual(
      actions.map((a) => a.action),
      ['journal.export.request', 'journal.export.approve', 'journal.export.approve', 'journal.export.run'],
    );
  });

  it('verifies the export without the archive key and names the first tampered record', async () => {
    const dir = join(h.dir, 'export');
    out = [];
    err = '';
    assert.equal(await journalVerifyCommand(['--export', dir, '--key', h.journalKey], io()), 0);
    assert.match(out[0]!, /^ok herald\.test\/journal: 4 entries/);
    assert.match(err, /verify export .*\[#+\] 100% 4\/4/);
    const file = join(dir, 'records/2.json');
    const rec = JSON.parse(readFileSync(file, 'utf8')) as { record: { content: { text: string } } };
    rec.record.content.text = 'nothing to see here';
    writeFileSync(file, JSON.stringify(rec));
    out = [];
    assert.equal(await journalVerifyCommand(['--export', dir, '--key', h.journalKey], io()), 1);
    assert.match(
      out[0]!,
      /first bad entry 2 \(jr_[0-9a-z]+\): records\/2\.json: the exported content is not what was sealed/,
    );
  });

  it('verifies the logs in the database with a progress bar, and refuses the wrong key', async () => {
    out = [];
    err = '';
    assert.equal(await journalVerifyCommand(['--log', 'journal', '--key', h.journalKey], io()), 0);
    assert.equal(await journalVerifyCommand(['--log', 'audit', '--key', h.auditKey], io()), 0);
    assert.match(out[0]!, /^ok herald\.test\/journal: 5 entries, 1 checkpoints, 0 shredded/);
    assert.match(out[1]!, /^ok herald\.test\/audit: 4 entries/);
    assert.match(err, /verify herald\.test\/journal \[#{30}\] 100% 5\/5/);
    out = [];
    assert.equal(
      await journalVerifyCommand(['--log', 'audit', '--key', h.journalKey, '--origin', AUDIT_ORIGIN], io()),
      1,
    );
    assert.match(out[0]!, /FAILED .*checkpoint at size \d+ is invalid/);
  });
});
