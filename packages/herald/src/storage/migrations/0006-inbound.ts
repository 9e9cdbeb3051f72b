import type { Kysely, Migration } from 'kysely';

/** Replies from recipients, and the index that finds the conversation a reply belongs to. */
export function inbound(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('inbound_messages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('provider_event_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('sender', 'text', (c) => c.notNull())
        .addColumn('in_reply_to', 'text')
        .addColumn('sealed', 'text', (c) => c.notNull())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('inbound_messages_event', ['channel', 'provider_event_id'])
        .execute();
      await db.schema
        .createIndex('inbound_messages_tenant')
        .on('inbound_messages')
        .columns(['tenant_id', 'received_at'])
        .execute();
      // A reply names only its sender's address: the latest message to that address is the
      // conversation it answers.
      await db.schema
        .createIndex('messages_recipient')
        .on('messages')
        .columns(['recipient', 'created_at'])
        .execute();
    },
  };
}
