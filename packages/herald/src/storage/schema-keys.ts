import type { Millis } from './schema.ts';

/** Devices, their enrollment and their keys (the `keys` part). */
export interface KeysTables {
  devices: DevicesTable;
  enrollment_tokens: EnrollmentTokensTable;
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
