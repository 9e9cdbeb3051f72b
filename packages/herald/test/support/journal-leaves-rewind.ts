// Puts a migrated database's journal back to its layout before migration 0012 (ADR 0015), for
// the tests of migrations 0011 and 0012: `leaf_index` in the record row with the two partial
// indexes of migrations 0002 and 0008, no leaves or queue tables, 0012 not recorded as run (nor
// 0013, the index by message id, which comes after it and is undone first).
import { sql, type Kysely } from 'kysely';

export async function rewindJournalLeaves(db: Kysely<unknown>): Promise<void> {
  await sql`drop index journal_records_message`.execute(db);
  await sql`delete from kysely_migration where name = '0013-journal-message-index'`.execute(db);
  await sql`alter table journal_records add column leaf_index bigint`.execute(db);
  await sql`update journal_records set leaf_index =
    (select l.leaf_index from journal_leaves l where l.record_id = journal_records.id)`.execute(db);
  await sql`create unique index journal_records_leaf on journal_records (leaf_index) where leaf_index is not null`.execute(
    db,
  );
  await sql`create index journal_records_pending on journal_records (id) where leaf_index is null`.execute(
    db,
  );
  await sql`drop table journal_leaves`.execute(db);
  await sql`drop table journal_pending`.execute(db);
  await sql`delete from kysely_migration where name = '0012-journal-leaves'`.execute(db);
}
