import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AuditActor } from '../audit/audit-event.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { HeraldError } from '../errors/index.ts';
import { newId } from '../ids.ts';
import type { DialectName } from '../storage/connect.ts';
import type { Database, JournalHoldsTable } from '../storage/schema.ts';
import { requireCompliance, requireTenant } from './compliance-actor.ts';
import { lockRetention } from './retention-lock.ts';
import { subjectHash } from './subject-hash.ts';

/** What a legal hold covers: all of a tenant's records, narrowed by any of the optional fields. */
export interface LegalHoldScope {
  readonly tenantId: string;
  /** A recipient or sender (stored only as its subject hash). */
  readonly subject?: string;
  readonly label?: string;
  /** Captured at or after (ms since the epoch). */
  readonly from?: number;
  /** Captured before (ms since the epoch). */
  readonly until?: number;
}

/** An active hold as the expiry job sees it. */
export type LegalHold = Selectable<JournalHoldsTable>;

/** The metadata of a record that holds are matched against. */
export interface HoldableRecord {
  readonly tenant_id: string;
  readonly captured_at: number;
  /** JSON arrays, as stored. */
  readonly labels: string;
  readonly subjects: string;
}

/**
 * Legal holds on the journal: while a hold is active, the expiry job does not shred the records
 * it covers. Creating and releasing need the compliance role and are audit events, written in
 * the same transaction as the change.
 */
export class LegalHolds {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditLog,
    private readonly dialect: DialectName,
  ) {}

  /** Places a hold; returns its id. */
  async create(actor: AuditActor, scope: LegalHoldScope, reason: string, now = Date.now()): Promise<string> {
    requireCompliance(actor, 'create a legal hold');
    requireTenant(actor, scope.tenantId, 'create a legal hold');
    const id = newId<string>('hold');
    await this.db.transaction().execute(async (trx) => {
      // Waits for an expiry run in progress: the hold then applies to the next run, and no run
      // decides on a view without it.
      await lockRetention(trx, this.dialect, { wait: true });
      await trx
        .insertInto('journal_holds')
        .values({
          id,
          tenant_id: scope.tenantId,
          subject: scope.subject === undefined ? null : subjectHash(scope.tenantId, scope.subject),
          label: scope.label ?? null,
          from_ms: scope.from ?? null,
          until_ms: scope.until ?? null,
          reason,
          created_by: actor.id,
          created_at: now,
          released_by: null,
          released_at: null,
        })
        .execute();
      await this.audit.record(
        trx,
        {
          actor,
          action: 'journal.hold.create',
          target: id,
          tenantId: scope.tenantId,
          details: {
            bySubject: scope.subject !== undefined,
            label: scope.label ?? null,
            from: scope.from ?? null,
            until: scope.until ?? null,
          },
        },
        now,
      );
    });
    return id;
  }

  /** Releases an active hold; throws `HERALD_ERR_JOURNAL_HOLD_NOT_FOUND` when there is none. */
  async release(actor: AuditActor, holdId: string, now = Date.now()): Promise<void> {
    requireCompliance(actor, 'release a legal hold');
    await this.db.transaction().execute(async (trx) => {
      const hold = await trx
        .selectFrom('journal_holds')
        .selectAll()
        .where('id', '=', holdId)
        .where('released_at', 'is', null)
        .executeTakeFirst();
      if (!hold) throw new HeraldError('HERALD_ERR_JOURNAL_HOLD_NOT_FOUND', { id: holdId });
      requireTenant(actor, hold.tenant_id, 'release a legal hold');
      await trx
        .updateTable('journal_holds')
        .set({ released_at: now, released_by: actor.id })
        .where('id', '=', holdId)
        .execute();
      await this.audit.record(
        trx,
        { actor, action: 'journal.hold.release', target: holdId, tenantId: hold.tenant_id },
        now,
      );
    });
  }

  /** Every hold not yet released, or only one tenant's. */
  active(tenantId?: string): Promise<LegalHold[]> {
    if (tenantId === undefined) return activeHolds(this.db);
    return this.db
      .selectFrom('journal_holds')
      .selectAll()
      .where('released_at', 'is', null)
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at')
      .execute();
  }
}

/** Every hold not yet released, read through `db` (the expiry job passes its transaction). */
export function activeHolds(db: Kysely<Database> | Transaction<Database>): Promise<LegalHold[]> {
  return db.selectFrom('journal_holds').selectAll().where('released_at', 'is', null).execute();
}

/** Whether `hold` covers `record`. */
export function holdCovers(hold: LegalHold, record: HoldableRecord): boolean {
  if (hold.tenant_id !== record.tenant_id) return false;
  const at = Number(record.captured_at);
  if (hold.from_ms !== null && at < Number(hold.from_ms)) return false;
  if (hold.until_ms !== null && at >= Number(hold.until_ms)) return false;
  if (hold.label !== null && !(JSON.parse(record.labels) as string[]).includes(hold.label)) return false;
  if (hold.subject !== null && !(JSON.parse(record.subjects) as string[]).includes(hold.subject))
    return false;
  return true;
}
