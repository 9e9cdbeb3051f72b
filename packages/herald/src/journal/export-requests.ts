import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/audit-event.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { HeraldError } from '../errors/index.ts';
import { newId } from '../ids.ts';
import type { Database } from '../storage/schema.ts';
import { requireCompliance, requireTenant } from './compliance-actor.ts';
import type { LegalHoldScope } from './legal-holds.ts';

/** How many different compliance users must approve an export (four-eyes). */
export const EXPORT_APPROVALS_REQUIRED = 2;

/** A stored export request. */
export interface ExportRequest {
  readonly id: string;
  readonly scope: LegalHoldScope;
  readonly requestedBy: string;
  readonly approvers: readonly string[];
  readonly completedAt: number | null;
}

/**
 * Four-eyes control over journal exports. A compliance user files a request (a selection of
 * records); two *different* compliance users approve it (the requester may be one of them);
 * only then can an export run, once. Every step is an audit event in the same transaction.
 */
export class ExportRequests {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditLog,
  ) {}

  /** Files a request; returns its id. */
  async request(actor: AuditActor, scope: LegalHoldScope, now = Date.now()): Promise<string> {
    requireCompliance(actor, 'request a journal export');
    requireTenant(actor, scope.tenantId, 'request a journal export');
    const id = newId<string>('exp');
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('journal_exports')
        .values({
          id,
          tenant_id: scope.tenantId,
          query: JSON.stringify(scope),
          requested_by: actor.id,
          requested_at: now,
          completed_at: null,
        })
        .execute();
      await this.audit.record(
        trx,
        { actor, action: 'journal.export.request', target: id, tenantId: scope.tenantId },
        now,
      );
    });
    return id;
  }

  /** Approves a request as `actor`; a user approves a request at most once. */
  async approve(actor: AuditActor, exportId: string, now = Date.now()): Promise<ExportRequest> {
    requireCompliance(actor, 'approve a journal export');
    await this.db.transaction().execute(async (trx) => {
      const req = await this.#find(trx, exportId);
      requireTenant(actor, req.scope.tenantId, 'approve a journal export');
      if (req.completedAt !== null) throw new HeraldError('HERALD_ERR_JOURNAL_EXPORT_DONE', { id: exportId });
      if (req.approvers.includes(actor.id)) {
        throw new HeraldError('HERALD_ERR_JOURNAL_EXPORT_ALREADY_APPROVED', { id: exportId });
      }
      await trx
        .insertInto('journal_export_approvals')
        .values({ export_id: exportId, approver: actor.id, approved_at: now })
        .execute();
      await this.audit.record(
        trx,
        { actor, action: 'journal.export.approve', target: exportId, tenantId: req.scope.tenantId },
        now,
      );
    });
    return this.get(exportId);
  }

  /** The request with its approvals; throws `HERALD_ERR_JOURNAL_EXPORT_NOT_FOUND`. */
  get(exportId: string): Promise<ExportRequest> {
    return this.#find(this.db, exportId);
  }

  /**
   * Checks that `actor` may run the export now: compliance role, same tenant, not yet run and
   * approved by {@link EXPORT_APPROVALS_REQUIRED} different users.
   */
  async authorize(actor: AuditActor, exportId: string): Promise<ExportRequest> {
    requireCompliance(actor, 'run a journal export');
    const req = await this.get(exportId);
    requireTenant(actor, req.scope.tenantId, 'run a journal export');
    if (req.completedAt !== null) throw new HeraldError('HERALD_ERR_JOURNAL_EXPORT_DONE', { id: exportId });
    if (new Set(req.approvers).size < EXPORT_APPROVALS_REQUIRED) {
      throw new HeraldError('HERALD_ERR_JOURNAL_EXPORT_NOT_APPROVED', {
        id: exportId,
        count: req.approvers.length,
      });
    }
    return req;
  }

  async #find(db: Kysely<Database>, exportId: string): Promise<ExportRequest> {
    const row = await db
      .selectFrom('journal_exports')
      .selectAll()
      .where('id', '=', exportId)
      .executeTakeFirst();
    if (!row) throw new HeraldError('HERALD_ERR_JOURNAL_EXPORT_NOT_FOUND', { id: exportId });
    const approvals = await db
      .selectFrom('journal_export_approvals')
      .select('approver')
      .where('export_id', '=', exportId)
      .orderBy('approved_at')
      .execute();
    return {
      id: row.id,
      scope: JSON.parse(row.query) as LegalHoldScope,
      requestedBy: row.requested_by,
      approvers: approvals.map((a) => a.approver),
      completedAt: row.completed_at === null ? null : Number(row.completed_at),
    };
  }
}
