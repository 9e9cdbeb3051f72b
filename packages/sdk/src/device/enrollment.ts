import type { MlsEngine } from '@herald/server/mls';
import { parseDirectoryEntry } from '../directory/directory-entry.ts';
import { HeraldSdkError } from '../errors/sdk-errors.ts';
import type { CallOptions } from '../http/http-client.ts';
import type { DeviceStore } from '../store/device-store.ts';
import { bytesEqual } from '../util/base64.ts';
import { saveIdentity, type DeviceIdentityRecord } from './device-identity.ts';
import type { DeviceInfo, SecureApi } from './secure-api.ts';

/** What `DeviceClient.enroll` takes. */
export interface EnrollInput {
  readonly enrollmentToken: string;
  readonly name?: string;
  readonly attestation?: { readonly format: 'dev' | 'x509'; readonly evidence: string };
}

const MAX_TOKEN = 200;

/**
 * Enrolls a device with a one-time token: generates its Ed25519 signature key (kept in the
 * store, never sent), registers the public key, and checks that the directory entry the server
 * returns names this device and this key before saving the identity. A server that publishes
 * another key gets `HERALD_SDK_KEY_NOT_IN_DIRECTORY` and nothing is saved.
 */
export async function enrollDevice(
  parts: { readonly engine: MlsEngine; readonly api: SecureApi; readonly store: DeviceStore },
  input: EnrollInput,
  options: CallOptions,
): Promise<{ identity: DeviceIdentityRecord; device: DeviceInfo }> {
  if (
    typeof input.enrollmentToken !== 'string' ||
    input.enrollmentToken.length === 0 ||
    input.enrollmentToken.length > MAX_TOKEN
  )
    throw new HeraldSdkError('HERALD_SDK_INVALID_ARGUMENT', { detail: 'enrollmentToken' });
  const signer = await parts.engine.generateSignatureKeyPair(options);
  const r = await parts.api.enroll(
    {
      enrollmentToken: input.enrollmentToken,
      signatureKey: signer.publicKey,
      ...(input.name === undefined ? {} : { name: input.name }),
      ...(input.attestation === undefined ? {} : { attestation: { ...input.attestation } }),
    },
    options,
  );
  const who = { userId: r.device.userId, deviceId: r.device.id };
  const entry = parseDirectoryEntry(r.entry, who);
  if (!bytesEqual(entry.key, signer.publicKey) || !bytesEqual(r.device.signatureKey, signer.publicKey))
    throw new HeraldSdkError('HERALD_SDK_KEY_NOT_IN_DIRECTORY', {
      ...who,
      detail: 'the server published another key',
    });
  const identity: DeviceIdentityRecord = {
    ...who,
    tenant: entry.tenant,
    deviceToken: r.deviceToken,
    signer,
  };
  await saveIdentity(parts.store, identity, options);
  return { identity, device: r.device };
}
