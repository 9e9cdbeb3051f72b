import { sql, type Kysely, type Migration } from 'kysely';

/** The secure channel's Delivery Service: groups, rosters, device queues, its own keys. */
export function secureChannel(dialect: 'sqlite' | 'postgres'): Migration {
  const bytes = sql.raw(dialect === 'postgres' ? 'bytea' : 'blob');
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('secure_groups')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('epoch', 'bigint', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('group_info', bytes)
        .addColumn('group_info_epoch', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('secure_groups_pk', ['tenant_id', 'group_id'])
        .execute();
      await db.schema
        .createTable('secure_members')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('leaf_index', 'integer', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('joined_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('secure_members_pk', ['tenant_id', 'group_id', 'leaf_index'])
        .addUniqueConstraint('secure_members_device', ['tenant_id', 'group_id', 'device_id'])
        .execute();
      await db.schema
        .createIndex('secure_members_by_device')
        .on('secure_members')
        .column('device_id')
        .execute();
      await db.schema
        .createTable('secure_inboxes')
        .addColumn('device_id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('last_seq', 'bigint', (c) => c.notNull())
        .addColumn('length', 'integer', (c) => c.notNull())
        .addColumn('push_platform', 'text')
        .addColumn('push_token_sealed', 'text')
        .addColumn('pushed_at', 'bigint')
        .addColumn('stream_until', 'bigint')
        .execute();
      await db.schema
        .createTable('secure_queue')
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('message', bytes, (c) => c.notNull())
        .addColumn('message_id', 'text')
        .addColumn('sent_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('secure_queue_pk', ['device_id', 'seq'])
        .execute();
      await db.schema.createIndex('secure_queue_expiry').on('secure_queue').column('expires_at').execute();
      await db.schema
        .createTable('secure_sends')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('queued_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('secure_sends_pk', ['tenant_id', 'message_id'])
        .execute();
      await db.schema.createIndex('secure_sends_age').on('secure_sends').column('queued_at').execute();
      await db.schema
        .createTable('secure_server_keys')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('public_key', bytes, (c) => c.notNull())
        .addColumn('private_sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
