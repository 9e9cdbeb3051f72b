import type { ColumnType, Generated } from 'kysely';
import type { ContactsTables } from './schema-contacts.ts';
import type { InboundTables } from './schema-inbound.ts';
import type { KeysTables } from './schema-keys.ts';
import type { SecureTables } from './schema-secure.ts';

/**
 * The tables Herald keeps, as Kysely sees them. Times are integer milliseconds since the epoch
 * (both dialects store them exactly); JSON values are text, parsed by the store.
 */
export interface Database extends KeysTables, SecureTables, InboundTables, ContactsTables {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  messages: MessagesTable;
  message_content: MessageContentTable;
  message_events: MessageEventsTable;
  attempts: AttemptsTable;
  receipts: ReceiptsTable;
  jobs: JobsTable;
  idempotency_keys: IdempotencyKeysTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  tlog_tiles: TlogTilesTable;
  tlog_heads: TlogHeadsTable;
  tlog_checkpoints: TlogCheckpointsTable;
  journal_records: JournalRecordsTable;
  journal_leaves: JournalLeavesTable;
  journal_pending: JournalPendingTable;
  journal_holds: JournalHoldsTable;
  journal_exports: JournalExportsTable;
  journal_export_approvals: JournalExportApprovalsTable;
  audit_events: AuditEventsTable;
  policy_versions: PolicyVersionsTable;
}

/** Activated policy versions, newest last. */
export interface PolicyVersionsTable {
  seq: number;
  version: string;
  name: string;
  source: string;
  filename: string;
  activated_by: string;
  activated_at: Millis;
}

export type Millis = ColumnType<number, number, number>;

export interface TenantsTable {
  id: string;
  name: string;
  created_at: Millis;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  role: string;
  name: string;
  /** SHA-256 of the key's secret part; the key itself is shown once and never stored. */
  hash: string;
  created_at: Millis;
  revoked_at: Millis | null;
}

export interface MessagesTable {
  id: string;
  tenant_id: string;
  api_key_id: string;
  recipient: string;
  recipient_kind: string;
  classification: string;
  retention: string;
  labels: string;
  status: string;
  outcome: string;
  decision: string;
  route_step: number;
  idempotency_key: string | null;
  expires_at: Millis | null;
  /** Set once the message is finished; its status never changes afterwards. */
  finished_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
}

/** Sealed content, kept only until the message reaches a final status. */
export interface MessageContentTable {
  message_id: string;
  sealed: string;
}

export interface MessageEventsTable {
  id: Generated<number>;
  message_id: string;
  tenant_id: string;
  type: string;
  status: string | null;
  data: string;
  at: Millis;
}

export interface AttemptsTable {
  id: string;
  message_id: string;
  tenant_id: string;
  step: number;
  channel: string;
  tier: string;
  content_kind: string;
  provider_message_id: string | null;
  status: string;
  error_code: string | null;
  /** What the provider charges for this attempt, in millionths of the price table's currency. */
  cost_micros: number;
  started_at: Millis;
  finished_at: Millis | null;
}

export interface ReceiptsTable {
  id: Generated<number>;
  channel: string;
  provider_message_id: string;
  status: string;
  provider_status: string;
  error_code: string | null;
  message_id: string | null;
  at: Millis;
  received_at: Millis;
}

export interface JobsTable {
  id: string;
  kind: string;
  ref: string;
  tenant_id: string;
  /** JSON for timers: which step and trigger the timer belongs to. */
  data: string | null;
  run_at: Millis;
  attempts: number;
  lease_owner: string | null;
  lease_until: Millis | null;
  created_at: Millis;
}

export interface IdempotencyKeysTable {
  tenant_id: string;
  key: string;
  request_hash: string;
  message_id: string;
  created_at: Millis;
}

export interface WebhookEndpointsTable {
  id: string;
  tenant_id: string;
  url: string;
  /** The signing secret, sealed with the gateway's master key. */
  secret_sealed: string;
  /** The event types it subscribes to, a sorted JSON array; null for every event. */
  events: string | null;
  created_at: Millis;
  disabled_at: Millis | null;
}

export interface WebhookDeliveriesTable {
  id: string;
  tenant_id: string;
  endpoint_id: string;
  event_type: string;
  payload: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  created_at: Millis;
  delivered_at: Millis | null;
}

/** The Merkle trees of every transparency log, as tiles of 256 hashes (tlog/tile.ts). */
export interface TlogTilesTable {
  log_id: string;
  level: number;
  idx: number;
  width: number;
  hashes: Uint8Array;
}

/** The committed leaf count of each transparency log. */
export interface TlogHeadsTable {
  log_id: string;
  size: number;
}

/** Every signed checkpoint a log published (C2SP signed notes), kept for consistency checks. */
export interface TlogCheckpointsTable {
  log_id: string;
  size: number;
  note: string;
  created_at: Millis;
}

/**
 * Sealed journal records. `sealed_key` (the HPKE-sealed data key) is set to null when the
 * record is crypto-shredded; the rest stays so the leaf can still be recomputed and verified.
 */
export interface JournalRecordsTable {
  id: string;
  tenant_id: string;
  message_id: string | null;
  retention: string;
  captured_at: Millis;
  expires_at: Millis | null;
  /** JSON array of labels. */
  labels: string;
  /** JSON array of hashed subjects (recipients, users), for legal holds. */
  subjects: string;
  kind: string;
  enc: Uint8Array;
  enc_seq: number;
  sealed_key: Uint8Array | null;
  key_digest: Uint8Array;
  ciphertext: Uint8Array;
  /** RFC 9162 leaf hash computed at capture. */
  leaf_hash: Uint8Array;
  shredded_at: Millis | null;
}

/**
 * Where each integrated journal record sits in the log (ADR 0015): one narrow row per leaf, so
 * integrating a record never rewrites the record itself.
 */
export interface JournalLeavesTable {
  leaf_index: number;
  record_id: string;
}

/**
 * Journal records captured but not yet integrated, in record id order: written with the record,
 * deleted by the sequencer in the transaction that makes it a leaf.
 */
export interface JournalPendingTable {
  record_id: string;
  leaf_hash: Uint8Array;
}

/** Legal holds: while active, matching journal records are not shredded. */
export interface JournalHoldsTable {
  id: string;
  tenant_id: string;
  subject: string | null;
  label: string | null;
  from_ms: Millis | null;
  until_ms: Millis | null;
  reason: string;
  created_by: string;
  created_at: Millis;
  released_by: string | null;
  released_at: Millis | null;
}

/** Journal export requests (four-eyes: run only after two compliance approvals). */
export interface JournalExportsTable {
  id: string;
  tenant_id: string;
  /** JSON selection: time range, subjects, labels. */
  query: string;
  requested_by: string;
  requested_at: Millis;
  completed_at: Millis | null;
}

/** One approval of an export request by one compliance user. */
export interface JournalExportApprovalsTable {
  export_id: string;
  approver: string;
  approved_at: Millis;
}

/** Admin and compliance actions, metadata only; each becomes a leaf of the audit log. */
export interface AuditEventsTable {
  id: string;
  tenant_id: string | null;
  actor: string;
  actor_role: string;
  action: string;
  target: string;
  /** JSON object of metadata. */
  details: string;
  at: Millis;
  leaf_hash: Uint8Array;
  leaf_index: number | null;
}
