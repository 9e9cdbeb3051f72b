import type { MlsEngine } from '@herald/server/mls';
import type { KeyDirectory } from '../directory/key-directory.ts';
import { isHeraldApiError } from '../errors/api-error.ts';
import type { CallOptions } from '../http/http-client.ts';
import type { Serial } from '../util/serial.ts';
import type { DeviceIdentityRecord } from './device-identity.ts';
import type { DeviceClientOptions, ReceivedMessage } from './device-options.ts';
import type { GroupStates } from './group-states.ts';
import type { KeyPackagePool } from './key-package-pool.ts';
import type { SecureApi } from './secure-api.ts';

/** The Delivery Service's identity, as groups name it for external proposals. */
export interface DeliveryServiceIdentity {
  readonly userId: string;
  readonly deviceId: string;
  readonly signatureKey: Uint8Array;
}

/**
 * What the parts of the device client (enrollment, group commits and membership, inbox sync)
 * share: one set of collaborators, built once by `DeviceClient`, and the few calls that cross
 * parts (a commit syncs to see its echo; a sync may commit queued proposals).
 */
export interface DeviceContext {
  readonly options: DeviceClientOptions;
  readonly api: SecureApi;
  readonly directory: KeyDirectory;
  readonly engine: MlsEngine;
  readonly groups: GroupStates;
  readonly pool: KeyPackagePool;
  /** Group operations (state reads and writes) run one at a time. */
  readonly serial: Serial;
  /** This device's identity; throws `HERALD_SDK_NOT_ENROLLED` before enrollment. */
  me(): DeviceIdentityRecord;
  /** The Delivery Service's identity, proven by the directory once. */
  deliveryService(options: CallOptions): Promise<DeliveryServiceIdentity>;
  /** Fetches and processes the inbox (see `DeviceClient.sync`). */
  sync(options: CallOptions): Promise<ReceivedMessage[]>;
}

/** Whether a server answer means another commit won the epoch (RFC 9420 §14: one per epoch). */
export function isStaleEpoch(err: unknown): boolean {
  return (
    isHeraldApiError(err, 'HERALD_ERR_SECURE_STALE_EPOCH') || (isHeraldApiError(err) && err.status === 409)
  );
}
