import type { WebsocketPluginOptions } from '@fastify/websocket';
import type { FastifyRequest } from 'fastify';

/** The subprotocol a browser carries its device token in: `herald.bearer.<token>`. */
export const BEARER_SUBPROTOCOL = 'herald.bearer.';

/** The stream's own subprotocol, which the server selects when offered. */
export const STREAM_SUBPROTOCOL = 'herald.v1';

/**
 * The bearer token of a WebSocket upgrade that has no Authorization header: browsers cannot set
 * headers on a WebSocket, so they offer the token as a subprotocol (docs/secure-channel.md).
 * Only upgrade requests are read this way; a plain HTTP request must use the header.
 */
export function subprotocolBearer(req: FastifyRequest): string | undefined {
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') return undefined;
  const offered = req.headers['sec-websocket-protocol'];
  if (typeof offered !== 'string') return undefined;
  for (const p of offered.split(',')) {
    const name = p.trim();
    if (name.startsWith(BEARER_SUBPROTOCOL)) return name.slice(BEARER_SUBPROTOCOL.length);
  }
  return undefined;
}

/**
 * How `@fastify/websocket` is registered for the stream. It must be registered on the root
 * instance before the authentication hook: its own hooks then mark upgrade requests first, so
 * an upgrade refused by authentication still has its socket closed after the error response
 * (registered inside a route plugin, those hooks would not run for it, and the socket would
 * stay open).
 */
export const streamWebsocketOptions: WebsocketPluginOptions = {
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
};
