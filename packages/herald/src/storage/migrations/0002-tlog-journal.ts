import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely';

/**
 * Transparency logs (perfect-subtree nodes, heads, signed checkpoints), the sealed journal with
 * legal holds and four-eyes export approvals, and the audit log. Nothing here holds journaled
 * plaintext: records are HPKE-sealed, subjects are hashed.
 */
export function tlogJournal(dialect: 'sqlite' | 'postgres'): Migration {
  const bytes = sql.raw(dialect === 'postgres' ? 'bytea' : 'blob');
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('tlog_nodes')
        .addColumn('log_id', 'text', (c) => c.notNull())
        .addColumn('level', 'integer', (c) => c.notNull())
        .addColumn('idx', 'bigint', (c) => c.notNull())
        .addColumn('hash', bytes, (c) => c.notNull())
        .addPrimaryKeyConstraint('tlog_nodes_pk', ['log_id', 'level', 'idx'])
        .execute();
      await db.schema
        .createTable('tlog_heads')
        .addColumn('log_id', 'text', (c) => c.primaryKey())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('tlog_checkpoints')
        .addColumn('log_id', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('tlog_checkpoints_pk', ['log_id', 'size'])
        .execute();
      await db.schema
        .createTable('journal_records')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text')
        .addColumn('retention', 'text', (c) => c.notNull())
        .addColumn('captured_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('labels', 'text', (c) => c.notNull())
        .addColumn('subjects', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('enc', bytes, (c) => c.notNull())
        .addColumn('enc_seq', 'integer', (c) => c.notNull())
        .addColumn('sealed_key', bytes)
        .addColumn('key_digest', bytes, (c) => c.notNull())
        .addColumn('ciphertext', bytes, (c) => c.notNull())
        .addColumn('leaf_hash', bytes, (c) => c.notNull())
        .addColumn('leaf_index', 'bigint')
        .addColumn('shredded_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('journal_records_leaf')
        .unique()
        .on('journal_records')
        .column('leaf_index')
        .execute();
      // The sequencer's queue: records not yet in the tree, in id (time) order.
      await db.schema
        .createIndex('journal_records_pending')
        .on('journal_records')
        .column('id')
        .where(sql.ref('leaf_index'), 'is', null)
        .execute();
      await db.schema
        .createIndex('journal_records_expiry')
        .on('journal_records')
        .columns(['expires_at'])
        .where(sql.ref('sealed_key'), 'is not', null)
        .execute();
      await db.schema
        .createTable('journal_holds')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('label', 'text')
        .addColumn('from_ms', 'bigint')
        .addColumn('until_ms', 'bigint')
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('released_by', 'text')
        .addColumn('released_at', 'bigint')
        .execute();
      await db.schema
        .createTable('journal_exports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('query', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'bigint', (c) => c.notNull())
        .addColumn('completed_at', 'bigint')
        .execute();
      await db.schema
        .createTable('journal_export_approvals')
        .addColumn('export_id', 'text', (c) => c.notNull())
        .addColumn('approver', 'text', (c) => c.notNull())
        .addColumn('approved_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('journal_export_approvals_pk', ['export_id', 'approver'])
        .execute();
      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text')
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('actor_role', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('leaf_hash', bytes, (c) => c.notNull())
        .addColumn('leaf_index', 'bigint')
        .execute();
      await db.schema
        .createIndex('audit_events_leaf')
        .unique()
        .on('audit_events')
        .column('leaf_index')
        .execute();
      await db.schema
        .createIndex('audit_events_pending')
        .on('audit_events')
        .column('id')
        .where(sql.ref('leaf_index'), 'is', null)
        .execute();
      await db.schema
        .createIndex('audit_events_tenant')
        .on('audit_events')
        .columns(['tenant_id', 'at'])
        .execute();
    },
  };
}
