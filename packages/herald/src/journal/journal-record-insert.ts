import type { Database as BetterSqlite, Statement } from 'better-sqlite3';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { DialectName } from '../storage/connect.ts';
import type { Database, JournalRecordsTable } from '../storage/schema.ts';

/** A captured record as stored: every column but `shredded_at` (null until shredded). */
export type JournalRecordRow = Omit<Selectable<JournalRecordsTable>, 'shredded_at'>;

/** Every stored column of a record, in the order of the positional statements below. */
export const JOURNAL_RECORD_COLUMNS = [
  'id',
  'tenant_id',
  'message_id',
  'retention',
  'captured_at',
  'expires_at',
  'labels',
  'subjects',
  'kind',
  'enc',
  'enc_seq',
  'sealed_key',
  'key_digest',
  'ciphertext',
  'leaf_hash',
] as const satisfies ReadonlyArray<keyof JournalRecordRow>;
const INSERT_RECORD = `insert into journal_records (${JOURNAL_RECORD_COLUMNS.join(', ')}) values (${JOURNAL_RECORD_COLUMNS.map(() => '?').join(', ')})`;
const INSERT_PENDING = 'insert into journal_pending (record_id, leaf_hash) values (?, ?)';

const prepared = new WeakMap<BetterSqlite, { record: Statement; pending: Statement }>();

/**
 * Stores a captured record and queues it for the sequencer (`journal_pending`, ADR 0015), both
 * or neither: the record row and its queue row are one unit, or the record would never become a
 * leaf. Inside `db`'s transaction when it is one, else in a transaction of its own.
 *
 * On SQLite with the raw handle under `db` (the same connection, used synchronously), the rows
 * go through two cached prepared statements with positional parameters: the query builder, or
 * even a row object per insert, costs more than SQLite's own work here. On PostgreSQL one
 * statement writes both rows (one round trip).
 */
export async function insertJournalRecord(
  db: Transaction<Database> | Kysely<Database>,
  dialect: DialectName,
  row: JournalRecordRow,
  raw?: BetterSqlite,
): Promise<void> {
  if (dialect === 'sqlite' && raw !== undefined) {
    let s = prepared.get(raw);
    if (s === undefined) {
      s = { record: raw.prepare(INSERT_RECORD), pending: raw.prepare(INSERT_PENDING) };
      prepared.set(raw, s);
    }
    const { record, pending } = s;
    const write = (): void => {
      record.run(
        row.id,
        row.tenant_id,
        row.message_id,
        row.retention,
        row.captured_at,
        row.expires_at,
        row.labels,
        row.subjects,
        row.kind,
        row.enc,
        row.enc_seq,
        row.sealed_key,
        row.key_digest,
        row.ciphertext,
        row.leaf_hash,
      );
      pending.run(row.id, row.leaf_hash);
    };
    // A caller outside a transaction gets one (better-sqlite3 nests it as a savepoint otherwise).
    if (raw.inTransaction) write();
    else raw.transaction(write)();
    return;
  }
  if (dialect === 'postgres') {
    await sql`with r as (
        insert into journal_records (${sql.join(JOURNAL_RECORD_COLUMNS.map((c) => sql.ref(c)))})
        values (${sql.join(JOURNAL_RECORD_COLUMNS.map((c) => row[c]))})
        returning id, leaf_hash)
      insert into journal_pending (record_id, leaf_hash) select id, leaf_hash from r`.execute(db);
    return;
  }
  const write = async (trx: Transaction<Database> | Kysely<Database>): Promise<void> => {
    await trx.insertInto('journal_records').values(row).execute();
    await trx.insertInto('journal_pending').values({ record_id: row.id, leaf_hash: row.leaf_hash }).execute();
  };
  if (db.isTransaction) await write(db);
  else await db.transaction().execute(write);
}
