import type { TenantId } from '../ids.ts';

/**
 * Which devices a Welcome is for, from its recipients' KeyPackageRefs (RFC 9420 §12.4.3.1):
 * the `keys` part records which device each claimed KeyPackage belongs to. Returns the device
 * id per ref (hex), and nothing for refs it does not know or that were not claimed in the tenant.
 * The gateway wires `KeyPackages.devicesForKeyPackageRefs`.
 */
export type WelcomeRecipients = (
  tenantId: TenantId,
  refs: readonly Uint8Array[],
) => Promise<ReadonlyMap<string, string>>;

/** Hex of a KeyPackageRef, the key of {@link WelcomeRecipients}' answer. */
export const refHex = (ref: Uint8Array): string => Buffer.from(ref).toString('hex');
