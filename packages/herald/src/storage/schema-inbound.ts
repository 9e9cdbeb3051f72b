import type { Millis } from './schema.ts';

/** What recipients sent back (replies, tapped suggestions). */
export interface InboundTables {
  inbound_messages: InboundMessagesTable;
}

/**
 * One reply. The text is sealed with the gateway's master key (like outbound content) and the
 * row is found again by the tenant through its id; webhooks name the id, never the text.
 * `(channel, provider_event_id)` is unique: a provider's redelivery is recorded once.
 */
export interface InboundMessagesTable {
  id: string;
  tenant_id: string;
  channel: string;
  provider_event_id: string;
  kind: string;
  sender: string;
  in_reply_to: string | null;
  sealed: string;
  received_at: Millis;
}
