import { hashLeaf, type Hash } from '../tlog/index.ts';

/** Actions the audit log records (metadata only, never content). */
export const AUDIT_ACTIONS = [
  'policy.change',
  'key.create',
  'key.revoke',
  // Devices (the `keys` part): who issued enrollment, who enrolled, and every change of status.
  'device.enrollment_token.issued',
  'device.enrolled',
  'device.suspended',
  'device.resumed',
  'device.revoked',
  'journal.hold.create',
  'journal.hold.release',
  'journal.export.request',
  'journal.export.approve',
  'journal.export.run',
  'journal.shred',
  // Exceptions on a message's path, recorded by the policy engine's decision or the route.
  'message.blocked',
  'message.escalated',
  'message.fell_back',
  'message.notice_instead_of_content',
  'message.released',
  'message.rejected',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who did something: an API key (or user) id and its role. */
export interface AuditActor {
  readonly id: string;
  readonly role: string;
  /** The tenant the actor belongs to; absent for operators of the whole deployment. */
  readonly tenantId?: string;
}

/** One admin or compliance action. `details` holds identifiers and counts, never content. */
export interface AuditEvent {
  readonly actor: AuditActor;
  readonly action: AuditAction;
  /** What the action was on, e.g. a hold id, an export id, a device id. */
  readonly target: string;
  readonly tenantId?: string;
  readonly details?: Readonly<Record<string, string | number | boolean | null>>;
}

/** The stored columns an audit leaf is computed from. */
export interface AuditRow {
  readonly id: string;
  readonly tenant_id: string | null;
  readonly actor: string;
  readonly actor_role: string;
  readonly action: string;
  readonly target: string;
  readonly details: string;
  readonly at: number;
}

/**
 * The leaf bytes of an audit event: a versioned line, then a JSON array of the stored columns in
 * a fixed order, so anyone can recompute the leaf from a row (or an export) and check it.
 */
export function auditLeafBytes(row: AuditRow): Uint8Array {
  const fields = [
    row.id,
    row.tenant_id,
    row.actor,
    row.actor_role,
    row.action,
    row.target,
    row.details,
    Number(row.at),
  ];
  return new TextEncoder().encode(`herald-audit-leaf/v1\n${JSON.stringify(fields)}`);
}

/** RFC 9162 §2.1.1 leaf hash of an audit row. */
export function auditLeafHash(row: AuditRow): Hash {
  return hashLeaf(auditLeafBytes(row));
}
