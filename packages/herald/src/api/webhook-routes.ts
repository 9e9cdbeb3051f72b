import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { SecretBox } from '../crypto/secret-box.ts';
import { HeraldError } from '../errors/index.ts';
import { newWebhookId } from '../ids.ts';
import type { WebhookStore } from '../storage/webhook-store.ts';
import { newWebhookSecret } from '../webhooks/signature.ts';
import { parseEventFilter, WEBHOOK_EVENT_TYPES } from '../webhooks/webhook-events.ts';
import { requireRole } from './auth.ts';

const Params = Type.Object({ id: Type.String({ maxLength: 64 }) }, { additionalProperties: false });

/** `/v1/webhooks`: endpoints that receive signed events, and the record of every delivery. */
export const webhookRoutes: FastifyPluginAsyncTypebox<{ webhooks: WebhookStore; box: SecretBox }> = async (
  app,
  { webhooks, box },
) => {
  app.post(
    '/v1/webhooks',
    {
      schema: {
        summary: 'Register a webhook endpoint; the signing secret is shown once',
        tags: ['webhooks'],
        body: Type.Object(
          {
            url: Type.String({ minLength: 8, maxLength: 2048 }),
            events: Type.Optional(
              Type.Array(Type.String({ maxLength: 64 }), {
                maxItems: 32,
                description: `Event types to receive (default: all): ${WEBHOOK_EVENT_TYPES.join(', ')}`,
              }),
            ),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => {
      const p = requireRole(req, 'manage webhooks', 'admin');
      let url: URL;
      try {
        url = new URL(req.body.url);
      } catch {
        throw new HeraldError('HERALD_ERR_WEBHOOK_INVALID_URL');
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:')
        throw new HeraldError('HERALD_ERR_WEBHOOK_INVALID_URL');
      const events = parseEventFilter(req.body.events);
      const id = newWebhookId();
      const secret = newWebhookSecret();
      await webhooks.createEndpoint(p.tenantId, url.toString(), box.seal(secret, id), id, events);
      return reply.code(201).send({ id, url: url.toString(), events, secret });
    },
  );

  app.get(
    '/v1/webhooks',
    { schema: { summary: 'List webhook endpoints', tags: ['webhooks'] } },
    async (req) => {
      const p = requireRole(req, 'read webhooks', 'admin');
      const list = await webhooks.listEndpoints(p.tenantId);
      return {
        data: list.map((e) => ({
          id: e.id,
          url: e.url,
          events: e.events,
          createdAt: new Date(e.createdAt).toISOString(),
        })),
      };
    },
  );

  app.delete(
    '/v1/webhooks/:id',
    { schema: { summary: 'Disable a webhook endpoint', tags: ['webhooks'], params: Params } },
    async (req, reply) => {
      const p = requireRole(req, 'manage webhooks', 'admin');
      if (!(await webhooks.disableEndpoint(p.tenantId, req.params.id))) {
        throw new HeraldError('HERALD_ERR_WEBHOOK_NOT_FOUND', { id: req.params.id });
      }
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/webhooks/deliveries',
    { schema: { summary: 'Recent webhook deliveries', tags: ['webhooks'] } },
    async (req) => {
      const p = requireRole(req, 'read webhooks', 'admin', 'auditor');
      const rows = await webhooks.listDeliveries(p.tenantId);
      return {
        data: rows.map((d) => ({
          id: d.id,
          endpointId: d.endpoint_id,
          type: d.event_type,
          status: d.status,
          attempts: d.attempts,
          lastStatusCode: d.last_status_code,
          createdAt: new Date(d.created_at).toISOString(),
        })),
      };
    },
  );

  app.post(
    '/v1/webhooks/deliveries/:id/replay',
    { schema: { summary: 'Send a delivery again', tags: ['webhooks'], params: Params } },
    async (req, reply) => {
      const p = requireRole(req, 'manage webhooks', 'admin');
      if (!(await webhooks.replay(p.tenantId, req.params.id))) {
        throw new HeraldError('HERALD_ERR_WEBHOOK_NOT_FOUND', { id: req.params.id });
      }
      return reply.code(202).send({ id: req.params.id, status: 'pending' });
    },
  );
};
