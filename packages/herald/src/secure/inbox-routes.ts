import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requireDevice } from '../keys/device-principal.ts';
import { encodeBase64 } from '../tlog/base64.ts';
import type { DeviceInbox } from './device-inbox.ts';
import { AckBody, InboxItemSchema, PushTokenBody, secureSchemas } from './secure-schemas.ts';
import type { SecureLimits } from './secure-limits.ts';

/** `/v1/devices/me/inbox` and `/v1/devices/me/push-token`: a device's own queue. */
export const inboxRoutes: FastifyPluginAsyncTypebox<{ inbox: DeviceInbox; limits: SecureLimits }> = async (
  app,
  { inbox, limits },
) => {
  const schemas = secureSchemas(limits);
  const tags = ['secure'];

  app.get(
    '/v1/devices/me/inbox',
    {
      schema: {
        summary: "This device's queued messages after a sequence number, oldest first",
        tags,
        querystring: schemas.InboxQuery,
        response: { 200: Type.Object({ items: Type.Array(InboxItemSchema) }) },
      },
    },
    async (req) => {
      const items = await inbox.fetch(requireDevice(req), req.query.after ?? 0, req.query.limit ?? 100);
      return {
        items: items.map((i) => ({
          seq: i.seq,
          groupId: i.groupId,
          kind: i.kind,
          message: encodeBase64(i.message),
          sentAt: new Date(i.sentAt).toISOString(),
        })),
      };
    },
  );

  app.post(
    '/v1/devices/me/inbox/ack',
    { schema: { summary: 'Delete the items up to a sequence number', tags, body: AckBody } },
    async (req) => inbox.ack(requireDevice(req), req.body.upTo),
  );

  app.put(
    '/v1/devices/me/push-token',
    { schema: { summary: 'Register the push token that wakes this device', tags, body: PushTokenBody } },
    async (req, reply) => {
      await inbox.setPushToken(requireDevice(req), req.body);
      return reply.code(204).send();
    },
  );

  app.delete(
    '/v1/devices/me/push-token',
    { schema: { summary: 'Forget the push token', tags } },
    async (req, reply) => {
      await inbox.setPushToken(requireDevice(req), null);
      return reply.code(204).send();
    },
  );
};
