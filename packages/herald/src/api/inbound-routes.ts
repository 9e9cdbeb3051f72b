import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HeraldError } from '../errors/index.ts';
import type { InboundStore } from '../inbound/inbound-store.ts';
import { requireRole } from './auth.ts';

/**
 * `/v1/inbound`: what recipients sent back. The list carries metadata only (as the
 * `message.received` webhook does); one reply's text is read by id, by senders and admins.
 */
export const inboundRoutes: FastifyPluginAsyncTypebox<{ inbound: InboundStore }> = async (
  app,
  { inbound },
) => {
  app.get(
    '/v1/inbound',
    {
      schema: {
        summary: 'Replies received, newest first (no text)',
        tags: ['inbound'],
        querystring: Type.Object(
          {
            before: Type.Optional(Type.String({ format: 'date-time' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const p = requireRole(req, 'read replies', 'sender', 'admin', 'auditor');
      const before = req.query.before === undefined ? undefined : Date.parse(req.query.before);
      const items = await inbound.list(p.tenantId, {
        ...(before === undefined ? {} : { before }),
        limit: req.query.limit ?? 50,
      });
      return { items };
    },
  );
  app.get(
    '/v1/inbound/:id',
    {
      schema: {
        summary: 'One reply with its text',
        tags: ['inbound'],
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
      },
    },
    async (req) => {
      const p = requireRole(req, 'read reply text', 'sender', 'admin');
      const item = await inbound.get(p.tenantId, req.params.id);
      if (!item) throw new HeraldError('HERALD_ERR_INBOUND_NOT_FOUND', { id: req.params.id });
      return item;
    },
  );
};
