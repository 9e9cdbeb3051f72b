import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { AUDIT_ACTIONS } from '../audit/audit-event.ts';
import type { Database } from '../storage/schema.ts';
import { requireRole } from './auth.ts';

const AuditQuery = Type.Object(
  {
    action: Type.Optional(Type.Union(AUDIT_ACTIONS.map((a) => Type.Literal(a)))),
    target: Type.Optional(Type.String({ maxLength: 64 })),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    until: Type.Optional(Type.String({ format: 'date-time' })),
    cursor: Type.Optional(Type.String({ maxLength: 64, pattern: '^aud_[0-9a-z_-]+$' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  { additionalProperties: false },
);

/**
 * `GET /v1/audit`: the tenant's exceptions and admin actions (blocked, escalated, fell back,
 * notice instead of content, policy changes, …), newest first. Metadata only.
 */
export const auditRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<Database> }> = async (app, { db }) => {
  app.get(
    '/v1/audit',
    { schema: { summary: 'Search the audit record', tags: ['audit'], querystring: AuditQuery } },
    async (req) => {
      const p = requireRole(req, 'read the audit record', 'admin', 'auditor', 'compliance');
      const q = req.query;
      const limit = q.limit ?? 50;
      // The tenant's own record, and deployment-wide policy changes (the policy applies to everyone).
      let sel = db
        .selectFrom('audit_events')
        .selectAll()
        .where((eb) =>
          eb.or([
            eb('tenant_id', '=', p.tenantId),
            eb.and([eb('tenant_id', 'is', null), eb('action', '=', 'policy.change')]),
          ]),
        );
      if (q.action) sel = sel.where('action', '=', q.action);
      if (q.target) sel = sel.where('target', '=', q.target);
      if (q.since) sel = sel.where('at', '>=', Date.parse(q.since));
      if (q.until) sel = sel.where('at', '<', Date.parse(q.until));
      if (q.cursor) sel = sel.where('id', '<', q.cursor);
      const rows = await sel.orderBy('id', 'desc').limit(limit).execute();
      return {
        data: rows.map((r) => ({
          id: r.id,
          at: new Date(r.at).toISOString(),
          action: r.action,
          target: r.target,
          actor: r.actor,
          actorRole: r.actor_role,
          details: JSON.parse(r.details) as unknown,
          leafIndex: r.leaf_index,
        })),
        nextCursor: rows.length === limit ? rows.at(-1)!.id : null,
      };
    },
  );
};
