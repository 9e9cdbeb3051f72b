import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The journal's leaf index moves out of the record row (ADR 0015). Integrating a record used to
 * rewrite its ~600-byte row (and two partial indexes) to set `leaf_index`; now the sequencer
 * inserts a narrow `journal_leaves(leaf_index, record_id)` row and deletes the record's entry in
 * `journal_pending`, the queue a capture writes beside the record. Existing data moves: every
 * integrated record becomes a `journal_leaves` row with its index, every record not yet
 * integrated a `journal_pending` row with its leaf hash; then `leaf_index` and its indexes go.
 * All in one transaction, so a failure leaves the old layout as it was.
 */
export function journalLeaves(dialect: 'sqlite' | 'postgres'): Migration {
  const bytes = sql.raw(dialect === 'postgres' ? 'bytea' : 'blob');
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const run = async (trx: Kysely<unknown>): Promise<void> => {
        // On SQLite exactly `integer primary key` makes the leaf index the rowid: one B-tree.
        await trx.schema
          .createTable('journal_leaves')
          .addColumn('leaf_index', dialect === 'postgres' ? 'bigint' : 'integer', (c) => c.primaryKey())
          .addColumn('record_id', 'text', (c) => c.notNull())
          .execute();
        // A record is a leaf at most once, whatever a sequencer does.
        await trx.schema
          .createIndex('journal_leaves_record')
          .unique()
          .on('journal_leaves')
          .column('record_id')
          .execute();
        // The queue, in record id (capture) order; its rows live from capture to integration.
        // WITHOUT ROWID on SQLite: the primary key is the table, one B-tree per row.
        let pending = trx.schema
          .createTable('journal_pending')
          .addColumn('record_id', 'text', (c) => c.primaryKey())
          .addColumn('leaf_hash', bytes, (c) => c.notNull());
        if (dialect === 'sqlite') pending = pending.modifyEnd(sql`without rowid`);
        await pending.execute();
        await sql`insert into journal_leaves (leaf_index, record_id)
          select leaf_index, id from journal_records where leaf_index is not null`.execute(trx);
        await sql`insert into journal_pending (record_id, leaf_hash)
          select id, leaf_hash from journal_records where leaf_index is null`.execute(trx);
        // SQLite drops a column only once no index (a partial index's WHERE included) names it.
        await trx.schema.dropIndex('journal_records_leaf').execute();
        await trx.schema.dropIndex('journal_records_pending').execute();
        await trx.schema.alterTable('journal_records').dropColumn('leaf_index').execute();
      };
      // PostgreSQL runs migrations in a transaction already; Kysely does not on SQLite.
      if (db.isTransaction) await run(db);
      else await db.transaction().execute(run);
    },
  };
}
