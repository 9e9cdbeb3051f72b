import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { LegalHolds } from '../journal/legal-holds.ts';
import type { RecordLogs } from '../journal/record-logs.ts';
import type { DialectName } from '../storage/connect.ts';
import type { Database } from '../storage/schema.ts';
import { requireRole } from './auth.ts';

const HoldBody = Type.Object(
  {
    reason: Type.String({ minLength: 1, maxLength: 500 }),
    subject: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    until: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

/**
 * `/v1/journal/holds`: legal holds suspend retention expiry for the records they cover. Placing
 * and releasing take the compliance role and are audit events (in the same transaction).
 */
export const holdRoutes: FastifyPluginAsyncTypebox<{
  db: Kysely<Database>;
  dialect: DialectName;
  logs: RecordLogs;
}> = async (app, { db, dialect, logs }) => {
  const holds = new LegalHolds(db, logs.audit, dialect);
  const actor = (p: { keyId: string; role: string; tenantId: string }) => ({
    id: p.keyId,
    role: p.role,
    tenantId: p.tenantId,
  });

  app.post(
    '/v1/journal/holds',
    { schema: { summary: 'Place a legal hold', tags: ['journal'], body: HoldBody } },
    async (req, reply) => {
      const p = requireRole(req, 'place legal holds', 'compliance');
      const b = req.body;
      const id = await holds.create(
        actor(p),
        {
          tenantId: p.tenantId,
          ...(b.subject === undefined ? {} : { subject: b.subject }),
          ...(b.label === undefined ? {} : { label: b.label }),
          ...(b.from === undefined ? {} : { from: Date.parse(b.from) }),
          ...(b.until === undefined ? {} : { until: Date.parse(b.until) }),
        },
        b.reason,
      );
      return reply.code(201).send({ id });
    },
  );
  app.get(
    '/v1/journal/holds',
    { schema: { summary: 'Active legal holds', tags: ['journal'] } },
    async (req) => {
      const p = requireRole(req, 'read legal holds', 'compliance', 'auditor');
      const rows = await holds.active(p.tenantId);
      return {
        holds: rows.map((h) => ({
          id: h.id,
          bySubject: h.subject !== null,
          label: h.label,
          from: h.from_ms === null ? null : new Date(h.from_ms).toISOString(),
          until: h.until_ms === null ? null : new Date(h.until_ms).toISOString(),
          reason: h.reason,
          createdBy: h.created_by,
          createdAt: new Date(h.created_at).toISOString(),
        })),
      };
    },
  );
  app.delete(
    '/v1/journal/holds/:id',
    {
      schema: {
        summary: 'Release a legal hold',
        tags: ['journal'],
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
      },
    },
    async (req, reply) => {
      const p = requireRole(req, 'release legal holds', 'compliance');
      await holds.release(actor(p), req.params.id);
      return reply.code(204).send();
    },
  );
};
