// @herald/sdk/node: the Node-only pieces: the file store, the MLS engine on node:crypto, and a
// WebSocket factory that sends the device token in a header.
import { createNodeMlsEngine } from '@herald/server/mls/node';
import type { CredentialValidator, MlsEngine } from '@herald/server/mls';
import { mlsDigest, sealSenderCopy } from '@herald/server/journal-copy';
import type { WebSocketFactory, WebSocketLike } from './device/live-updates.ts';
import { HeraldSdkError } from './errors/sdk-errors.ts';
import type { JournalSealer } from './sender/journal-sealer.ts';

export { FileStore } from './store/file-store.ts';

/**
 * The sender client's journal sealer (`createHerald({ journal })`) on the server's own sealing
 * code: HPKE to `archiveKey` (the raw 32-byte X25519 archive public key, standard base64, as the
 * compliance team hands it out). Pin it in configuration; the SDK only compares it with the
 * gateway's `GET /v1/journal/archive-key` and refuses to send when they differ.
 */
export function journalSealer(archiveKey: string): JournalSealer {
  const raw = Buffer.from(archiveKey, 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== archiveKey)
    throw new HeraldSdkError('HERALD_SDK_INVALID_ARGUMENT', {
      detail: 'the archive key must be 32 bytes in standard base64',
    });
  return {
    archiveKey,
    seal: (copy, mlsMessage) =>
      sealSenderCopy(raw, {
        v: 1,
        text: copy.text,
        recipients: [...copy.recipients],
        ...(copy.clientReference === undefined ? {} : { clientReference: copy.clientReference }),
        mlsDigest: mlsDigest(mlsMessage),
      }),
  };
}

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
