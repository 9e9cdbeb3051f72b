import type { Kysely } from 'kysely';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Database } from '../storage/schema.ts';
import { holdCovers, type LegalHolds } from './legal-holds.ts';

/** What one expiry run did. */
export interface ExpiryResult {
  /** Records whose data key was destroyed. */
  readonly shredded: number;
  /** Expired records kept because a legal hold covers them. */
  readonly held: number;
}

/**
 * The retention job: crypto-shreds journal records whose retention has run out by deleting
 * their sealed data key (DESIGN decision 8). The record's ciphertext, metadata and leaf stay, so
 * the log still verifies; without the data key the ciphertext cannot be opened, even with the
 * archive key. Records covered by an active legal hold are skipped. Each run that shreds
 * something is one audit event (with counts, no ids of content).
 */
export async function expireJournalRecords(
  db: Kysely<Database>,
  holds: LegalHolds,
  audit: AuditLog,
  opts: { now?: number; limit?: number } = {},
): Promise<ExpiryResult> {
  const now = opts.now ?? Date.now();
  const active = await holds.active();
  const due = await db
    .selectFrom('journal_records')
    .select(['id', 'tenant_id', 'captured_at', 'labels', 'subjects'])
    .where('sealed_key', 'is not', null)
    .where('expires_at', '<=', now)
    .orderBy('expires_at')
    .limit(opts.limit ?? 10_000)
    .execute();
  const shred = due.filter((r) => !active.some((h) => holdCovers(h, r))).map((r) => r.id);
  if (shred.length > 0) {
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < shred.length; i += 500) {
        await trx
          .updateTable('journal_records')
          .set({ sealed_key: null, shredded_at: now })
          .where('id', 'in', shred.slice(i, i + 500))
          .execute();
      }
      await audit.record(
        trx,
        {
          actor: { id: 'system:retention', role: 'system' },
          action: 'journal.shred',
          target: 'journal',
          details: { shredded: shred.length, held: due.length - shred.length },
        },
        now,
      );
    });
  }
  return { shredded: shred.length, held: due.length - shred.length };
}
