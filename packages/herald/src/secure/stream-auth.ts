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
