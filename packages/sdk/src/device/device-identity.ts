import type { MlsSignatureKeyPair } from '@herald/server/mls';
import { HeraldSdkError } from '../errors/sdk-errors.ts';
import { getJson, putJson, type DeviceStore, type StoreCallOptions } from '../store/device-store.ts';
import { fromBase64, toBase64 } from '../util/base64.ts';

/** An enrolled device's identity and secrets, as kept in its store. */
export interface DeviceIdentityRecord {
  readonly userId: string;
  readonly deviceId: string;
  readonly tenant: string;
  /** The bearer token `hdv_…`, shown once at enrollment. */
  readonly deviceToken: string;
  /** The Ed25519 key the key directory publishes for this device. */
  readonly signer: MlsSignatureKeyPair;
}

const KEY = 'device/identity';

interface Stored {
  readonly v: 1;
  readonly userId: string;
  readonly deviceId: string;
  readonly tenant: string;
  readonly deviceToken: string;
  readonly publicKey: string;
  readonly privateKey: string;
}

/** Loads the identity from the store, if this store has an enrolled device. */
export async function loadIdentity(
  store: DeviceStore,
  options?: StoreCallOptions,
): Promise<DeviceIdentityRecord | undefined> {
  const s = await getJson<Stored>(store, KEY, options);
  if (s === undefined) return undefined;
  if (s.v !== 1) throw new HeraldSdkError('HERALD_SDK_STORE', { detail: 'unknown identity record version' });
  return {
    userId: s.userId,
    deviceId: s.deviceId,
    tenant: s.tenant,
    deviceToken: s.deviceToken,
    signer: {
      publicKey: fromBase64(s.publicKey, 'publicKey'),
      privateKey: fromBase64(s.privateKey, 'privateKey'),
    },
  };
}

/** Saves the identity (it holds the device's private key and token: the store must be private). */
export function saveIdentity(
  store: DeviceStore,
  id: DeviceIdentityRecord,
  options?: StoreCallOptions,
): Promise<void> {
  const s: Stored = {
    v: 1,
    userId: id.userId,
    deviceId: id.deviceId,
    tenant: id.tenant,
    deviceToken: id.deviceToken,
    publicKey: toBase64(id.signer.publicKey),
    privateKey: toBase64(id.signer.privateKey),
  };
  return putJson(store, KEY, s, options);
}
