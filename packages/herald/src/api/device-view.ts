import type { DeviceRecord } from '../storage/device-store.ts';
import { toBase64 } from './base64-schema.ts';

/** A device as the API shows it (docs/secure-channel.md); never its token or its hash. */
export function deviceView(d: DeviceRecord) {
  return {
    id: d.id,
    userId: d.userId,
    name: d.name,
    status: d.status,
    managed: d.managed,
    signatureKey: toBase64(d.signatureKey),
    enrolledAt: new Date(d.enrolledAt).toISOString(),
    statusAt: new Date(d.statusAt).toISOString(),
  };
}
