import websocket from '@fastify/websocket';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { groupRoutes } from './group-routes.ts';
import { inboxRoutes } from './inbox-routes.ts';
import type { SecureChannel } from './secure-channel.ts';
import { streamRoute } from './stream-route.ts';
import { BEARER_SUBPROTOCOL, STREAM_SUBPROTOCOL } from './stream-auth.ts';

/**
 * The secure channel's routes, for devices: groups and handshakes, inboxes and push tokens, and
 * the inbox stream over WebSocket. Registered by `buildApi` when a `SecureChannel` is given.
 */
export const secureRoutes: FastifyPluginAsyncTypebox<{ channel: SecureChannel }> = async (
  app,
  { channel },
) => {
  await app.register(websocket, {
    options: {
      // Clients send nothing but control frames.
      maxPayload: 1024,
      // A browser offers the token as `herald.bearer.<token>` (it cannot set headers) and should
      // also offer `herald.v1`, which the server picks so the token is not echoed back; a client
      // that offers only the token gets it echoed, as RFC 6455 §4.2.2 requires one to be chosen.
      handleProtocols: (offered: Set<string>) => {
        if (offered.has(STREAM_SUBPROTOCOL)) return STREAM_SUBPROTOCOL;
        for (const p of offered) if (p.startsWith(BEARER_SUBPROTOCOL)) return p;
        return false;
      },
    },
  });
  await app.register(groupRoutes, { service: channel.service, config: channel.config });
  await app.register(inboxRoutes, { inbox: channel.inbox, limits: channel.limits });
  await app.register(streamRoute, {
    inbox: channel.inbox,
    signal: channel.signal,
    streams: channel.streams,
    limits: channel.limits,
  });
};
