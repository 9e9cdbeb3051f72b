import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.ts';
import { requireRole } from './auth.ts';

const UsageQuery = Type.Object(
  {
    since: Type.Optional(Type.String({ format: 'date-time' })),
    until: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

/**
 * `GET /v1/usage`: attempts and their cost per channel for the tenant, from the price recorded
 * on each attempt when it was made (so a later price change does not rewrite history).
 */
export const usageRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<Database> }> = async (app, { db }) => {
  app.get(
    '/v1/usage',
    { schema: { summary: 'Attempts and cost per channel', tags: ['usage'], querystring: UsageQuery } },
    async (req) => {
      const p = requireRole(req, 'read usage', 'admin', 'auditor', 'sender');
      let q = db
        .selectFrom('attempts')
        .select((eb) => [
          'channel',
          eb.fn.countAll().as('attempts'),
          eb.fn.sum<number>('cost_micros').as('cost_micros'),
        ])
        .where('tenant_id', '=', p.tenantId);
      if (req.query.since) q = q.where('started_at', '>=', Date.parse(req.query.since));
      if (req.query.until) q = q.where('started_at', '<', Date.parse(req.query.until));
      const rows = await q.groupBy('channel').orderBy('channel').execute();
      const channels = rows.map((r) => ({
        channel: r.channel,
        attempts: Number(r.attempts),
        cost: Number(r.cost_micros ?? 0) / 1_000_000,
      }));
      return {
        channels,
        total: channels.reduce((n, c) => n + Math.round(c.cost * 1_000_000), 0) / 1_000_000,
      };
    },
  );
};
