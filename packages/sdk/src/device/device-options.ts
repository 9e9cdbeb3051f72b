import type { CredentialValidator, MlsEngine, MlsMemberIdentity } from '@herald/server/mls';
import type { KeyDirectoryOptions } from '../directory/key-directory.ts';
import type { FetchLike } from '../http/http-client.ts';
import type { DeviceStore } from '../store/device-store.ts';
import type { KeyPackagePoolOptions } from './key-package-pool.ts';
import type { WebSocketFactory } from './live-updates.ts';
import type { InboxItem } from './secure-api.ts';

/** Options of `createDevice`. */
export interface DeviceClientOptions {
  readonly baseUrl: string;
  /** Where the device keeps its identity, keys and group states (memory, file, IndexedDB). */
  readonly store: DeviceStore;
  /** The key directory log's C2SP note verifier key, from configuration (never from the server). */
  readonly directoryVerifierKey: string;
  /** The key log's checkpoint origin (default: the verifier key's name). */
  readonly directoryOrigin?: string;
  /** Tuning of the key directory checks (checkpoint reuse, waits, cache). */
  readonly directory?: Pick<
    KeyDirectoryOptions,
    'checkpointMaxAgeMs' | 'integrationTimeoutMs' | 'keyCacheMs'
  >;
  readonly fetch?: FetchLike;
  /** Opens the live stream (default: the global `WebSocket` with the token as subprotocol). */
  readonly webSocket?: WebSocketFactory;
  /**
   * Builds the MLS engine around Herald's Authentication Service (default: `TsMlsEngine` with
   * ts-mls's WebCrypto provider; Node passes the native one, see `@herald/sdk/node`).
   */
  readonly mlsEngine?: (validator: CredentialValidator) => MlsEngine;
  readonly keyPackages?: KeyPackagePoolOptions;
  /** Poll interval while the stream is down (default 5 s). */
  readonly pollIntervalMs?: number;
  /** Attempts at a commit that keeps losing its epoch (default 5). */
  readonly maxCommitAttempts?: number;
  /** How long to wait for the server to echo this device's commit (default 10 s). */
  readonly echoTimeoutMs?: number;
}

/** A decrypted application message. */
export interface ReceivedMessage {
  readonly groupId: string;
  readonly seq: number;
  readonly sender: MlsMemberIdentity;
  readonly text: string;
  readonly sentAt: string;
}

/** An inbox item this device could not process; the sync goes on with the next one. */
export interface ProcessingFailure {
  readonly groupId: string;
  readonly seq: number;
  readonly kind: InboxItem['kind'];
  readonly error: Error;
}
