import type { Millis } from './schema.ts';

/** The Delivery Service of the secure channel (the `secure` part): groups, rosters, queues. */
export interface SecureTables {
  secure_groups: SecureGroupsTable;
  secure_members: SecureMembersTable;
  secure_inboxes: SecureInboxesTable;
  secure_queue: SecureQueueTable;
  secure_sends: SecureSendsTable;
  secure_server_keys: SecureServerKeysTable;
}

/**
 * One MLS group of one tenant, as far as the server can know it: its current epoch (moved only
 * by the first commit for that epoch) and the committer's latest GroupInfo, for re-joins.
 * `group_id` is the group id's standard base64.
 */
export interface SecureGroupsTable {
  tenant_id: string;
  group_id: string;
  epoch: number;
  /** How many messages the group has taken: each one's position in the group's total order. */
  seq: number;
  group_info: Uint8Array | null;
  group_info_epoch: number | null;
  created_at: Millis;
  updated_at: Millis;
}

/** The routing roster: which device sits at which leaf, as committers report it. */
export interface SecureMembersTable {
  tenant_id: string;
  group_id: string;
  leaf_index: number;
  user_id: string;
  device_id: string;
  joined_at: Millis;
}

/**
 * One device's inbox: the last sequence number it was given and how many items wait, updated in
 * the same transaction as the items (the row is also the lock that orders them). The push
 * token is sealed; `stream_until` is the lease of an open stream, `pushed_at` the last wake-up.
 */
export interface SecureInboxesTable {
  device_id: string;
  tenant_id: string;
  last_seq: number;
  length: number;
  push_platform: string | null;
  push_token_sealed: string | null;
  pushed_at: Millis | null;
  stream_until: Millis | null;
}

/** Items waiting in device inboxes: ciphertext and framing metadata only. */
export interface SecureQueueTable {
  device_id: string;
  seq: number;
  tenant_id: string;
  group_id: string;
  kind: 'commit' | 'proposal' | 'welcome' | 'application';
  message: Uint8Array;
  /** The Herald message an item carries for the `secure` channel adapter (recipient devices only). */
  message_id: string | null;
  sent_at: Millis;
  expires_at: Millis;
}

/** Messages the `secure` channel adapter queued, so a resend of one is not queued twice. */
export interface SecureSendsTable {
  tenant_id: string;
  message_id: string;
  group_id: string;
  queued_at: Millis;
}

/** The Delivery Service's own keys (the external sender's Ed25519 pair), private halves sealed. */
export interface SecureServerKeysTable {
  name: string;
  public_key: Uint8Array;
  private_sealed: string;
  created_at: Millis;
}
