import type { Kysely, Migration } from 'kysely';

/** Replies expire by age across tenants: an index on the time they arrived. */
export function inboundRetention(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createIndex('inbound_messages_received')
        .on('inbound_messages')
        .column('received_at')
        .execute();
    },
  };
}
