// Shared setup for the journal tests: a migrated database, note keys for the journal and audit
// logs, an archive key file, and the services wired together.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../src/audit/audit-log.ts';
import type { AuditActor } from '../../src/audit/audit-event.ts';
import {
  ExportRequests,
  FileKeyVault,
  Journal,
  LegalHolds,
  parseRetentionClasses,
  type JournalRecord,
  type TransparencyLogOptions,
} from '../../src/journal/index.ts';
import type { Store } from '../../src/storage/store.ts';
import {
  generateNoteKey,
  parseSignerKey,
  parseVerifierKey,
  type CheckpointTrust,
} from '../../src/tlog/index.ts';
import type { TestDatabase } from '../support/databases.ts';

export const ORIGIN_PREFIX = 'herald.test';
export const JOURNAL_ORIGIN = `${ORIGIN_PREFIX}/journal`;
export const AUDIT_ORIGIN = `${ORIGIN_PREFIX}/audit`;

export interface JournalHarness {
  readonly store: Store;
  readonly url: string;
  readonly dir: string;
  readonly journal: Journal;
  readonly audit: AuditLog;
  readonly holds: LegalHolds;
  readonly exports: ExportRequests;
  readonly vault: FileKeyVault;
  readonly keyFile: string;
  readonly journalTrust: CheckpointTrust;
  readonly auditTrust: CheckpointTrust;
  readonly journalKey: string;
  readonly auditKey: string;
  /**
   * The environment a `herald serve`/`worker` process needs to run this harness's logs: the same
   * database, archive public key, signer keys and origins.
   */
  readonly processEnv: Record<string, string>;
  dispose(): Promise<void>;
}

export async function openJournalHarness(
  db: TestDatabase,
  extra: Partial<Pick<TransparencyLogOptions, 'afterAppend' | 'now'>> = {},
): Promise<JournalHarness> {
  const { store, url, dispose } = await db.open();
  const dir = mkdtempSync(join(tmpdir(), 'herald-journal-'));
  const keyFile = join(dir, 'archive.key');
  const vault = await FileKeyVault.generate(keyFile);
  const jk = generateNoteKey(JOURNAL_ORIGIN);
  const ak = generateNoteKey(AUDIT_ORIGIN);
  const base = { db: store.conn.db, dialect: store.dialect, ...extra };
  const audit = new AuditLog({ ...base, origin: AUDIT_ORIGIN, signer: parseSignerKey(ak.signerKey) });
  const archivePublicKey = await vault.publicKey();
  const journal = new Journal({
    ...base,
    origin: JOURNAL_ORIGIN,
    signer: parseSignerKey(jk.signerKey),
    archivePublicKey,
    retention: parseRetentionClasses(),
    // As the gateway runs it (record-logs.ts): captures and the queue on the raw SQLite handle.
    ...(store.conn.sqlite ? { sqlite: store.conn.sqlite } : {}),
  });
  return {
    store,
    url,
    dir,
    journal,
    audit,
    holds: new LegalHolds(store.conn.db, audit, store.dialect),
    exports: new ExportRequests(store.conn.db, audit),
    vault,
    keyFile,
    journalKey: jk.verifierKey,
    auditKey: ak.verifierKey,
    journalTrust: { origin: JOURNAL_ORIGIN, verifiers: [parseVerifierKey(jk.verifierKey)] },
    auditTrust: { origin: AUDIT_ORIGIN, verifiers: [parseVerifierKey(ak.verifierKey)] },
    processEnv: {
      HERALD_DATA_DIR: dir,
      HERALD_DATABASE_URL: url,
      HERALD_LOG_ORIGIN_PREFIX: ORIGIN_PREFIX,
      HERALD_ARCHIVE_PUBLIC_KEY: Buffer.from(archivePublicKey).toString('base64'),
      HERALD_JOURNAL_SIGNER_KEY: jk.signerKey,
      HERALD_AUDIT_SIGNER_KEY: ak.signerKey,
      HERALD_MASTER_KEY: randomBytes(32).toString('base64'),
    },
    async dispose() {
      await dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A record whose content and recipient carry a canary string, to search dumps for. */
export function sampleRecord(i: number, tenantId: string, over: Partial<JournalRecord> = {}): JournalRecord {
  return {
    tenantId,
    messageId: `msg_${i}`,
    kind: i % 2 === 0 ? 'email' : 'message',
    retention: '30d',
    labels: ['trading'],
    recipients: [`canary-rcpt-${i}@example.com`],
    from: 'desk@acme.example',
    content: { subject: `CANARY-SUBJECT-${i}`, text: `CANARY-PLAINTEXT-${i} the quarterly numbers` },
    decision: { route: ['email'], reasons: ['journal: sealed'], policyVersion: 'p1' },
    attempts: [],
    ...over,
  };
}

export const compliance = (id: string, tenantId: string): AuditActor => ({
  id,
  role: 'compliance',
  tenantId,
});
