// The sealed journal (DESIGN decision 8) and the transparency-log plumbing it shares with the
// audit log: capture, sequencing, retention, legal holds, four-eyes export and verification.
export { requireCompliance, requireTenant } from './compliance-actor.ts';
export { renderEml, type EmlParts } from './eml.ts';
export type { ExportedRecord, ExportManifest } from './export-format.ts';
export { EXPORT_APPROVALS_REQUIRED, ExportRequests, type ExportRequest } from './export-requests.ts';
export { archivePublicKeyFromBase64, FileKeyVault } from './file-key-vault.ts';
export { Journal, type JournalOptions } from './journal.ts';
export { runJournalExport, type ExportSummary, type JournalExportDeps } from './journal-export.ts';
export { journalLeafBytes, journalLeafHash, type JournalLeafFields } from './journal-leaf.ts';
export {
  JOURNAL_RECORD_KINDS,
  type JournalRecord,
  type JournalRecordKind,
  type JournalRecordMeta,
} from './journal-record.ts';
export type { KeyVault, KeyVaultOptions, OpenedEnvelope } from './key-vault.ts';
export type { LeafQueue, PendingLeaf } from './leaf-queue.ts';
export {
  activeHolds,
  holdCovers,
  LegalHolds,
  type HoldableRecord,
  type LegalHold,
  type LegalHoldScope,
} from './legal-holds.ts';
export { countPending, LOG_KINDS, readLogRows, type LogKind, type LogRow } from './log-rows.ts';
export { progressBar, type ProgressBar, type ProgressStream } from './progress-bar.ts';
export {
  decryptRecord,
  EnvelopeOpener,
  RecordSealer,
  sealedKeyDigest,
  type RecordSealerOptions,
  type SealedEnvelope,
} from './record-envelope.ts';
export {
  DEFAULT_RETENTION,
  parseRetentionClasses,
  parseRetentionDuration,
  type RetentionClasses,
} from './retention.ts';
export { expireJournalRecords, type ExpiryResult, type RetentionJobDeps } from './retention-job.ts';
export { lockRetention } from './retention-lock.ts';
export { runPeriodically, type PeriodicTask } from './periodic-task.ts';
export { startRecordLoops, type RecordLoopsLogger, type RecordLoopsOptions } from './record-loops.ts';
export { subjectHash } from './subject-hash.ts';
export { tableLeafQueue } from './table-leaf-queue.ts';
export { TransparencyLog, type SequenceResult, type TransparencyLogOptions } from './transparency-log.ts';
export { verifyExport } from './verify-export.ts';
export { verifyLog, type BadEntry, type VerifyReport } from './verify-log.ts';
