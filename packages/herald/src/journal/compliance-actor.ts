import type { AuditActor } from '../audit/audit-event.ts';
import { HeraldError } from '../errors/index.ts';

/** Throws `HERALD_ERR_AUTH_FORBIDDEN` unless `actor` has the compliance role. */
export function requireCompliance(actor: AuditActor, action: string): void {
  if (actor.role !== 'compliance')
    throw new HeraldError('HERALD_ERR_AUTH_FORBIDDEN', { role: actor.role, action });
}

/** Throws `HERALD_ERR_AUTH_FORBIDDEN` when a tenant-bound actor acts on another tenant. */
export function requireTenant(actor: AuditActor, tenantId: string, action: string): void {
  if (actor.tenantId !== undefined && actor.tenantId !== tenantId) {
    throw new HeraldError('HERALD_ERR_AUTH_FORBIDDEN', {
      role: actor.role,
      action: `${action} for another tenant`,
    });
  }
}
