import type { TenantId } from '../ids.ts';

/** A device that was just revoked. */
export interface RevokedDevice {
  readonly tenantId: TenantId;
  readonly userId: string;
  readonly deviceId: string;
}

/**
 * Told about every revocation after it has committed, so the Delivery Service can propose the
 * device's removal from its groups (docs/secure-channel.md, "Revoked devices"). The revocation
 * stands whatever the listener does: a failure is logged, never undone, so the listener must be
 * able to catch up on revoked devices it missed (e.g. after a crash between commit and call).
 */
export interface DeviceRevocationListener {
  onRevoked(device: RevokedDevice, options?: { readonly signal?: AbortSignal }): Promise<void>;
}
