import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { groupRoutes } from './group-routes.ts';
import { inboxRoutes } from './inbox-routes.ts';
import type { SecureChannel } from './secure-channel.ts';
import { streamRoute } from './stream-route.ts';

/**
 * The secure channel's routes, for devices: groups and handshakes, inboxes and push tokens, and
 * the inbox stream over WebSocket. Registered by `buildApi` when a `SecureChannel` is given,
 * after `@fastify/websocket` with {@link streamWebsocketOptions} at the root (see there).
 */
export const secureRoutes: FastifyPluginAsyncTypebox<{ channel: SecureChannel }> = async (
  app,
  { channel },
) => {
  await app.register(groupRoutes, { service: channel.service, config: channel.config });
  await app.register(inboxRoutes, { inbox: channel.inbox, limits: channel.limits });
  await app.register(streamRoute, {
    inbox: channel.inbox,
    signal: channel.signal,
    streams: channel.streams,
    limits: channel.limits,
  });
};
