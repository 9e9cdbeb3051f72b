import type { ColumnType, Generated } from 'kysely';

/**
 * The tables Herald keeps, as Kysely sees them. Times are integer milliseconds since the epoch
 * (both dialects store them exactly); JSON values are text, parsed by the store.
 */
export interface Database {
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
}

type Millis = ColumnType<number, number, number>;

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
