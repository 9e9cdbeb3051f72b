import { sql, type Transaction } from 'kysely';
import type { DialectName } from '../storage/connect.ts';
import type { Database } from '../storage/schema.ts';

// One key for the whole database: expiry runs and hold changes are rare and short.
const RETENTION_LOCK = 'herald/journal-retention';

/**
 * Serialises retention work on PostgreSQL with a transaction-scoped advisory lock: expiry runs
 * from several workers never overlap, and a legal hold placed while a run is deciding what to
 * shred waits for that run to commit, so the run cannot miss it. With `wait: false` it returns
 * false at once when another transaction holds the lock.
 *
 * SQLite needs no lock: its transactions are serializable. A run whose snapshot is overtaken by
 * another process's write (a new hold) fails to upgrade to a writer (`SQLITE_BUSY_SNAPSHOT`)
 * and rolls back, so it never shreds on a stale view; the next run starts afresh.
 */
export async function lockRetention(
  trx: Transaction<Database>,
  dialect: DialectName,
  opts: { wait: boolean },
): Promise<boolean> {
  if (dialect !== 'postgres') return true;
  if (opts.wait) {
    await sql`select pg_advisory_xact_lock(hashtextextended(${RETENTION_LOCK}, 0))`.execute(trx);
    return true;
  }
  const { rows } = await sql<{
    locked: boolean;
  }>`select pg_try_advisory_xact_lock(hashtextextended(${RETENTION_LOCK}, 0)) as locked`.execute(trx);
  return rows[0]?.locked === true;
}
