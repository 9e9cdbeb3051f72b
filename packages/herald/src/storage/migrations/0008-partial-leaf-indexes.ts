import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The unique leaf-index indexes of the journal and the audit log cover integrated entries only.
 * Every capture used to insert a NULL into them and every sequencer run to move it; as partial
 * indexes they are written once, when an entry becomes a leaf. Queries by leaf index
 * (`leaf_index >= ?`, `= ?`) imply `is not null`, so both SQLite and PostgreSQL still use them.
 */
export function partialLeafIndexes(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const table of ['journal_records', 'audit_events']) {
        const name = table === 'journal_records' ? 'journal_records_leaf' : 'audit_events_leaf';
        await db.schema.dropIndex(name).execute();
        await db.schema
          .createIndex(name)
          .unique()
          .on(table)
          .column('leaf_index')
          .where(sql.ref('leaf_index'), 'is not', null)
          .execute();
      }
    },
  };
}
