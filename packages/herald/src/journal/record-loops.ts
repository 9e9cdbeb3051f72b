import type { Kysely } from 'kysely';
import type { DialectName } from '../storage/connect.ts';
import type { Database } from '../storage/schema.ts';
import { runPeriodically, type PeriodicTask } from './periodic-task.ts';
import type { RecordLogs } from './record-logs.ts';
import { expireJournalRecords } from './retention-job.ts';

/** The subset of a pino logger the loops use: metadata only, never content. */
export interface RecordLoopsLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** How often the loops run. */
export interface RecordLoopsOptions {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** Sequencers: integrate captured leaves and sign checkpoints (default 1 s). */
  readonly sequenceEveryMs?: number;
  /** Retention expiry (`HERALD_JOURNAL_RETENTION_INTERVAL_MS`). */
  readonly retentionEveryMs: number;
}

/**
 * Starts the background work of the provable logs in a worker process: the journal and audit
 * sequencers, and the retention job that crypto-shreds expired journal records. Both are safe
 * to run in every worker of a scaled-out deployment (they take turns on PostgreSQL advisory
 * locks). `stop()` waits for the runs in flight.
 */
export function startRecordLoops(
  logs: RecordLogs,
  opts: RecordLoopsOptions,
  log: RecordLoopsLogger,
): PeriodicTask {
  const failed = (what: string) => (err: unknown) =>
    log.error({ err: { code: (err as { code?: string }).code } }, `${what} failed`);
  const sequencers = runPeriodically(
    () => Promise.all([logs.journal.log.sequenceAll(), logs.audit.log.sequenceAll()]),
    opts.sequenceEveryMs ?? 1000,
    failed('sequencing'),
  );
  const retention = runPeriodically(
    async () => {
      const r = await expireJournalRecords({ db: opts.db, dialect: opts.dialect, audit: logs.audit });
      if (r.shredded > 0) log.info({ shredded: r.shredded, held: r.held }, 'journal records shredded');
    },
    opts.retentionEveryMs,
    failed('journal retention'),
  );
  return {
    async stop() {
      await Promise.all([sequencers.stop(), retention.stop()]);
    },
  };
}
