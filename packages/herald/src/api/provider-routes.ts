import type { FastifyPluginAsync } from 'fastify';
import { CHANNELS, type Channel, type ChannelAdapter } from '../channels/channel-adapter.ts';
import { HeraldError } from '../errors/index.ts';

/**
 * `POST /v1/providers/:channel/events`: provider webhooks (RBM events, email DSNs). No API key:
 * each adapter authenticates its provider's signature over the exact bytes received, so the
 * body reaches it unparsed.
 */
export const providerRoutes: FastifyPluginAsync<{ adapters: ReadonlyMap<Channel, ChannelAdapter> }> = async (
  app,
  { adapters },
) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_req, body, done) =>
    done(null, body),
  );
  app.post<{ Params: { channel: string } }>(
    '/v1/providers/:channel/events',
    { schema: { hide: true } },
    async (req, reply) => {
      const channel = req.params.channel as Channel;
      const adapter = (CHANNELS as readonly string[]).includes(channel) ? adapters.get(channel) : undefined;
      if (!adapter?.handleWebhook) {
        throw new HeraldError('HERALD_ERR_API_NOT_FOUND', {
          method: 'POST',
          url: `/v1/providers/${req.params.channel.slice(0, 20)}/events`,
        });
      }
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const r = await adapter.handleWebhook(body, req.headers);
      if (r.contentType) void reply.type(r.contentType);
      return reply.code(r.status).send(r.body ?? '');
    },
  );
};
