import type { Kysely } from 'kysely';
import type { AuditLog } from '../audit/audit-log.ts';
import type { DialectName } from '../storage/connect.ts';
import type { Database } from '../storage/schema.ts';
import { activeHolds, holdCovers } from './legal-holds.ts';
import { lockRetention } from './retention-lock.ts';

/** What one expiry run did. */
export interface ExpiryResult {
  /** Records whose data key this run destroyed. */
  readonly shredded: number;
  /** Expired records kept because a legal hold covers them. */
  readonly held: number;
  /** True when another process was running expiry (PostgreSQL), so this run did nothing. */
  readonly skipped: boolean;
}

/** Where the retention job works. */
export interface RetentionJobDeps {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  readonly audit: AuditLog;
}

const PAGE = 1000;
// Rows per UPDATE: well under SQLite's and PostgreSQL's bind-parameter limits.
const CHUNK = 500;

/**
 * The retention job: crypto-shreds journal records whose retention has run out by deleting
 * their sealed data key (DESIGN decision 8). The record's ciphertext, metadata and leaf stay, so
 * the log still verifies; without the data key the ciphertext cannot be opened, even with the
 * archive key. Records covered by an active legal hold are skipped. Each run that shreds
 * something is one audit event (with counts, no ids of content), in the same transaction.
 *
 * Safe from several processes at once: on PostgreSQL a run takes the retention advisory lock
 * (a run that finds it taken does nothing and says `skipped`), and the update only touches keys
 * not yet destroyed and counts what it changed, so two runs never shred or report a record
 * twice. Holds are read inside the run's transaction (see `lockRetention` for why a new hold
 * cannot slip in between). Due records are paged past held ones, so a large hold never stalls
 * expiry of the others; one run shreds at most `limit` records and the next run continues.
 */
export async function expireJournalRecords(
  deps: RetentionJobDeps,
  opts: { now?: number; limit?: number } = {},
): Promise<ExpiryResult> {
  const { db, dialect, audit } = deps;
  const now = opts.now ?? Date.now();
  const limit = opts.limit ?? 10_000;
  return db.transaction().execute(async (trx) => {
    if (!(await lockRetention(trx, dialect, { wait: false }))) return { shredded: 0, held: 0, skipped: true };
    const holds = await activeHolds(trx);
    let held = 0;
    let shredded = 0;
    let after: { expires: number; id: string } | undefined;
    while (shredded < limit) {
      let q = trx
        .selectFrom('journal_records')
        .select(['id', 'tenant_id', 'captured_at', 'expires_at', 'labels', 'subjects'])
        .where('sealed_key', 'is not', null)
        .where('expires_at', '<=', now);
      if (after !== undefined) {
        const a = after;
        q = q.where((eb) =>
          eb.or([
            eb('expires_at', '>', a.expires),
            eb.and([eb('expires_at', '=', a.expires), eb('id', '>', a.id)]),
          ]),
        );
      }
      const due = await q.orderBy('expires_at').orderBy('id').limit(PAGE).execute();
      if (due.length === 0) break;
      const last = due[due.length - 1]!;
      after = { expires: Number(last.expires_at), id: last.id };
      const ids: string[] = [];
      for (const r of due) {
        if (holds.some((h) => holdCovers(h, r))) held++;
        else if (shredded + ids.length < limit) ids.push(r.id);
      }
      for (let i = 0; i < ids.length; i += CHUNK) {
        const res = await trx
          .updateTable('journal_records')
          .set({ sealed_key: null, shredded_at: now })
          .where('id', 'in', ids.slice(i, i + CHUNK))
          .where('sealed_key', 'is not', null)
          .executeTakeFirst();
        shredded += Number(res.numUpdatedRows);
      }
      if (due.length < PAGE) break;
    }
    if (shredded > 0) {
      await audit.record(
        trx,
        {
          actor: { id: 'system:retention', role: 'system' },
          action: 'journal.shred',
          target: 'journal',
          details: { shredded, held },
        },
        now,
      );
    }
    return { shredded, held, skipped: false };
  });
}
