import type { Millis } from './schema.ts';

/** Devices, their enrollment and their keys (the `keys` part). */
export interface KeysTables {
  devices: DevicesTable;
  enrollment_tokens: EnrollmentTokensTable;
  key_packages: KeyPackagesTable;
  key_directory_entries: KeyDirectoryEntriesTable;
}

/**
 * One enrolled device of one user. `token_hash` is the SHA-256 of the device's bearer token
 * (shown once at enrollment); `signature_key` is the raw Ed25519 public key its MLS credential
 * binds, as published in the key directory.
 */
export interface DevicesTable {
  id: string;
  tenant_id: string;
  user_id: string;
  name: string;
  status: 'active' | 'suspended' | 'revoked';
  managed: number;
  token_hash: string;
  signature_key: Uint8Array;
  enrolled_at: Millis;
  status_at: Millis;
}

/** One-time enrollment tokens issued by admins, stored as hashes. */
export interface EnrollmentTokensTable {
  hash: string;
  tenant_id: string;
  user_id: string;
  created_by: string;
  created_at: Millis;
  expires_at: Millis;
  used_at: Millis | null;
}

/**
 * Uploaded MLS KeyPackages. `available` ones are in the device's pool; a claimed one turns
 * `claimed` (a last-resort one stays `available` until replaced, then `retired`). Claimed and
 * retired rows stay until they expire so a Welcome naming their `ref` can be routed.
 */
export interface KeyPackagesTable {
  /** The `KeyPackageRef` (RFC 9420 §5.2), lowercase hex. */
  ref: string;
  tenant_id: string;
  user_id: string;
  device_id: string;
  /** The `MLSMessage(KeyPackage)` as uploaded. */
  key_package: Uint8Array;
  last_resort: number;
  state: 'available' | 'claimed' | 'retired';
  not_after: Millis;
  uploaded_at: Millis;
  claimed_at: Millis | null;
}

/**
 * The key directory: one row per publication, rotation or revocation of a device key. `entry`
 * holds the exact JSON bytes hashed into the `keys` log's leaf (`keys/key-directory-entry.ts`).
 */
export interface KeyDirectoryEntriesTable {
  id: string;
  tenant_id: string;
  user_id: string;
  device_id: string;
  action: 'publish' | 'rotate' | 'revoke';
  entry: string;
  at: Millis;
  leaf_hash: Uint8Array;
  leaf_index: number | null;
}
