import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely, Selectable } from 'kysely';
import type { AuditActor } from '../audit/audit-event.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { HeraldError } from '../errors/index.ts';
import type { DialectName } from '../storage/connect.ts';
import type { Database, JournalRecordsTable } from '../storage/schema.ts';
import { inclusionProofToJson, leafIndex, MerkleTree, parseCheckpoint, treeSize } from '../tlog/index.ts';
import { SqlHashStore } from '../tlog/sql-hash-store.ts';
import { renderEml } from './eml.ts';
import type { ExportedRecord, ExportedSenderCopy, ExportManifest } from './export-format.ts';
import type { ExportRequests } from './export-requests.ts';
import type { JournalRecord } from './journal-record.ts';
import type { KeyVault } from './key-vault.ts';
import type { ProgressStream } from './progress-bar.ts';
import { mlsDigest, openSenderCopy, type SealedSenderCopy } from './sender-copy.ts';
import { progressBar } from './progress-bar.ts';
import { subjectHash } from './subject-hash.ts';

/** What a journal export needs. */
export interface JournalExportDeps {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** The journal log's origin (its id in the database). */
  readonly origin: string;
  readonly requests: ExportRequests;
  readonly audit: AuditLog;
  /** The archive key: export is the one place that opens records. */
  readonly vault: KeyVault;
  /**
   * Makes every commit so far durable (`TransactionRunner.flush`), so the checkpoint an export
   * hands out is on disk, as for one the API serves (`TransparencyLog`).
   */
  readonly flush?: () => Promise<void>;
}

/** What an export wrote. */
export interface ExportSummary {
  readonly records: number;
  readonly shredded: number;
  readonly treeSize: number;
  readonly dir: string;
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

/**
 * Runs an approved export (four-eyes, see `ExportRequests`): writes every selected record that
 * the latest checkpoint covers, decrypted, as `records/<index>.json` (plus `.eml` for email
 * records) with its inclusion proof against `checkpoint.txt`, and `manifest.json`. The export is
 * claimed and audited (`journal.export.run`) before any file is written, so it runs at most once.
 */
export async function runJournalExport(
  deps: JournalExportDeps,
  actor: AuditActor,
  exportId: string,
  outDir: string,
  progress?: ProgressStream,
): Promise<ExportSummary> {
  const { db, origin } = deps;
  const req = await deps.requests.authorize(actor, exportId);
  const cp = await db
    .selectFrom('tlog_checkpoints')
    .select(['size', 'note'])
    .where('log_id', '=', origin)
    .orderBy('size', 'desc')
    .limit(1)
    .executeTakeFirst();
  // After the read: the flush covers the commit that wrote the checkpoint, whoever made it.
  if (cp) await deps.flush?.();
  const note = cp?.note;
  const size = note === undefined ? 0 : parseCheckpoint(note.slice(0, note.indexOf('\n\n') + 1)).size;
  const { scope } = req;
  let q = db
    .selectFrom('journal_leaves as l')
    .innerJoin('journal_records as r', 'r.id', 'l.record_id')
    .selectAll('r')
    .select('l.leaf_index')
    .where('r.tenant_id', '=', scope.tenantId)
    .where('l.leaf_index', '<', size);
  if (scope.from !== undefined) q = q.where('r.captured_at', '>=', scope.from);
  if (scope.until !== undefined) q = q.where('r.captured_at', '<', scope.until);
  const wantSubject = scope.subject === undefined ? undefined : subjectHash(scope.tenantId, scope.subject);
  const rows = (await q.orderBy('l.leaf_index').execute()).filter(
    (r) =>
      (scope.label === undefined || (JSON.parse(r.labels) as string[]).includes(scope.label)) &&
      (wantSubject === undefined || (JSON.parse(r.subjects) as string[]).includes(wantSubject)),
  );
  const shredded = rows.filter((r) => r.sealed_key === null).length;
  await db.transaction().execute(async (trx) => {
    const claimed = await trx
      .updateTable('journal_exports')
      .set({ completed_at: Date.now() })
      .where('id', '=', exportId)
      .where('completed_at', 'is', null)
      .executeTakeFirst();
    if (claimed.numUpdatedRows === 0n)
      throw new HeraldError('HERALD_ERR_JOURNAL_EXPORT_DONE', { id: exportId });
    await deps.audit.record(trx, {
      actor,
      action: 'journal.export.run',
      target: exportId,
      tenantId: scope.tenantId,
      details: { records: rows.length, shredded, treeSize: size, approvers: req.approvers.join(',') },
    });
  });

  await mkdir(join(outDir, 'records'), { recursive: true });
  if (note !== undefined) await writeFile(join(outDir, 'checkpoint.txt'), note);
  const tree = new MerkleTree(new SqlHashStore(db, deps.dialect, origin));
  const bar = progress && progressBar(progress, `export ${exportId}`, rows.length);
  const entries: Array<ExportManifest['records'][number]> = [];
  for (const [i, r] of rows.entries()) {
    const index = Number(r.leaf_index);
    const exported = await exportRecord(deps.vault, tree, r, index, size);
    const file = `records/${index}.json`;
    await writeFile(join(outDir, file), `${JSON.stringify(exported, null, 2)}\n`);
    let eml: string | undefined;
    const rec = exported.record as JournalRecord | null;
    if (rec !== null && r.kind === 'email') {
      eml = `records/${index}.eml`;
      await writeFile(
        join(outDir, eml),
        renderEml({
          recordId: r.id,
          ...(rec.from === undefined ? {} : { from: rec.from }),
          to: rec.recipients,
          ...(rec.content.subject === undefined ? {} : { subject: String(rec.content.subject) }),
          text: String(rec.content.text ?? ''),
          date: Number(r.captured_at),
          messageId: r.message_id,
        }),
      );
    }
    entries.push({ index, id: r.id, file, ...(eml ? { eml } : {}), shredded: exported.shredded });
    bar?.update(i + 1);
  }
  bar?.finish();
  const manifest: ExportManifest = {
    format: 'herald-journal-export/v1',
    exportId,
    origin,
    tenantId: scope.tenantId,
    createdAt: new Date().toISOString(),
    requestedBy: req.requestedBy,
    approvedBy: req.approvers,
    checkpoint: 'checkpoint.txt',
    treeSize: size,
    records: entries,
  };
  await writeFile(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { records: rows.length, shredded, treeSize: size, dir: outDir };
}

async function exportRecord(
  vault: KeyVault,
  tree: MerkleTree,
  r: Selectable<JournalRecordsTable>,
  index: number,
  size: number,
): Promise<ExportedRecord> {
  const sealed = {
    recordId: r.id,
    enc: r.enc,
    encSeq: r.enc_seq,
    sealedKey: r.sealed_key,
    ciphertext: r.ciphertext,
  };
  const opened = r.sealed_key === null ? undefined : await vault.open(sealed);
  const record = opened
    ? (JSON.parse(Buffer.from(opened.plaintext).toString('utf8')) as JournalRecord)
    : null;
  const senderCopy = record ? await exportSenderCopy(vault, record) : undefined;
  return {
    id: r.id,
    index,
    meta: {
      tenantId: r.tenant_id,
      messageId: r.message_id,
      kind: r.kind,
      retention: r.retention,
      capturedAt: Number(r.captured_at),
      labels: JSON.parse(r.labels) as string[],
      subjects: JSON.parse(r.subjects) as string[],
    },
    sealed: {
      enc: b64(r.enc),
      encSeq: r.enc_seq,
      sealedKey: r.sealed_key === null ? null : b64(r.sealed_key),
      keyDigest: b64(r.key_digest),
      ciphertext: b64(r.ciphertext),
    },
    dataKey: opened ? b64(opened.dataKey) : null,
    record,
    shredded: opened === undefined,
    ...(senderCopy ? { senderCopy } : {}),
    inclusionProof: inclusionProofToJson(await tree.inclusionProof(leafIndex(index), treeSize(size))),
    checkpoint: 'checkpoint.txt',
  };
}

/**
 * Opens the copy an end-to-end-encrypted message's sender sealed, if the record has one. A copy
 * that does not open is reported, not fatal: the rest of the export stays usable.
 */
async function exportSenderCopy(
  vault: KeyVault,
  record: JournalRecord,
): Promise<ExportedSenderCopy | undefined> {
  const sealed = record.content.senderCopy as SealedSenderCopy | undefined;
  if (sealed === undefined) return undefined;
  try {
    const { copy, dataKey } = await openSenderCopy(vault, sealed);
    const mls = record.content.mls as { message?: string } | undefined;
    const matchesMessage =
      typeof mls?.message === 'string' && copy.mlsDigest === mlsDigest(Buffer.from(mls.message, 'base64'));
    return { id: sealed.id, dataKey: b64(dataKey), copy, matchesMessage };
  } catch (err) {
    return { id: sealed.id, error: (err as { code?: string }).code ?? 'HERALD_ERR_JOURNAL_OPEN_FAILED' };
  }
}
