import { sql, type Kysely, type Migration } from 'kysely';

/** Devices and their one-time enrollment tokens; the key directory's KeyPackages and log entries. */
export function devices(dialect: 'sqlite' | 'postgres'): Migration {
  const bytes = sql.raw(dialect === 'postgres' ? 'bytea' : 'blob');
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('managed', 'integer', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('signature_key', bytes, (c) => c.notNull())
        .addColumn('enrolled_at', 'bigint', (c) => c.notNull())
        .addColumn('status_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('devices_user').on('devices').columns(['tenant_id', 'user_id']).execute();
      await db.schema
        .createTable('enrollment_tokens')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema
        .createTable('key_packages')
        .addColumn('ref', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('key_package', bytes, (c) => c.notNull())
        .addColumn('last_resort', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('not_after', 'bigint', (c) => c.notNull())
        .addColumn('uploaded_at', 'bigint', (c) => c.notNull())
        .addColumn('claimed_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('key_packages_pool')
        .on('key_packages')
        .columns(['device_id', 'state', 'last_resort', 'uploaded_at'])
        .execute();
      await db.schema
        .createTable('key_directory_entries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('entry', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('leaf_hash', bytes, (c) => c.notNull())
        .addColumn('leaf_index', 'bigint')
        .execute();
      await db.schema
        .createIndex('key_directory_entries_leaf')
        .unique()
        .on('key_directory_entries')
        .column('leaf_index')
        .execute();
      await db.schema
        .createIndex('key_directory_entries_pending')
        .on('key_directory_entries')
        .column('id')
        .where(sql.ref('leaf_index'), 'is', null)
        .execute();
      await db.schema
        .createIndex('key_directory_entries_device')
        .on('key_directory_entries')
        .columns(['tenant_id', 'device_id', 'id'])
        .execute();
    },
  };
}
