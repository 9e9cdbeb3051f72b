// @herald/sdk/node: the Node-only pieces: the file store, the MLS engine on node:crypto, and a
// WebSocket factory that sends the device token in a header.
import { createNodeMlsEngine } from '@herald/server/mls/node';
import type { CredentialValidator, MlsEngine } from '@herald/server/mls';
import type { WebSocketFactory, WebSocketLike } from './device/live-updates.ts';

export { FileStore } from './store/file-store.ts';

/** Builds the device's MLS engine on Node's native crypto (pass as `createDevice({ mlsEngine })`). */
export function nodeMlsEngine(validator: CredentialValidator): MlsEngine {
  return createNodeMlsEngine({ credentialValidator: validator });
}

/** A WebSocket class that takes headers, like the `ws` package's. */
export type HeaderWebSocketClass = new (
  url: string,
  options: { headers: Record<string, string> },
) => WebSocketLike;

/**
 * A {@link WebSocketFactory} that sends the token as `Authorization: Bearer`, for Node. Pass the
 * `ws` package's class: `headerWebSocket(WebSocket)`.
 */
export function headerWebSocket(WebSocketClass: HeaderWebSocketClass): WebSocketFactory {
  return (url, token) => new WebSocketClass(url, { headers: { authorization: `Bearer ${token}` } });
}
