import type { Kysely, Transaction } from 'kysely';
import { monotonicId } from '../journal/monotonic-id.ts';
import { TransparencyLog, type TransparencyLogOptions } from '../journal/transparency-log.ts';
import type { LeafQueue } from '../journal/leaf-queue.ts';
import { tableLeafQueue } from '../journal/table-leaf-queue.ts';
import type { DialectName } from '../storage/connect.ts';
import type { Database } from '../storage/schema.ts';
import { auditLeafHash, type AuditEvent, type AuditRow } from './audit-event.ts';

/** Configuration of the audit log. */
export type AuditLogOptions = Omit<TransparencyLogOptions, 'queue'>;

/**
 * The audit log: admin and compliance actions appended as leaves of their own RFC 9162 log with
 * signed checkpoints, so an insider cannot quietly erase what they did. `record` runs inside the
 * caller's transaction (the action and its audit entry commit together); the sequencer
 * (`log.sequence()`) integrates recorded events into the tree.
 */
export class AuditLog {
  readonly log: TransparencyLog;

  constructor(opts: AuditLogOptions) {
    this.log = new TransparencyLog({ ...opts, queue: auditQueue(opts.dialect) });
  }

  /** Records `event` in the caller's transaction; returns the event id. */
  record(
    trx: Transaction<Database> | Kysely<Database>,
    event: AuditEvent,
    now = Date.now(),
  ): Promise<string> {
    return recordAudit(trx, event, now);
  }
}

/**
 * Appends one audit event in the caller's transaction (the action and its audit entry commit
 * together). The sequencer later integrates it into the audit log's tree.
 */
export async function recordAudit(
  trx: Transaction<Database> | Kysely<Database>,
  event: AuditEvent,
  now = Date.now(),
): Promise<string> {
  const row: AuditRow = {
    id: monotonicId('aud'),
    tenant_id: event.tenantId ?? event.actor.tenantId ?? null,
    actor: event.actor.id,
    actor_role: event.actor.role,
    action: event.action,
    target: event.target,
    details: JSON.stringify(event.details ?? {}),
    at: now,
  };
  await trx
    .insertInto('audit_events')
    .values({ ...row, leaf_hash: Buffer.from(auditLeafHash(row)), leaf_index: null })
    .execute();
  return row.id;
}

function auditQueue(dialect: DialectName): LeafQueue {
  return tableLeafQueue('audit_events', dialect);
}
