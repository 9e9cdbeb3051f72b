// The journal's storage as it was before migration 0012 (the leaf index in the ~600-byte record
// row, with a partial index for the queue and one for lookups by index), kept only so the
// journal benchmark can measure what a capture and a sequencer write per record against the
// layout that replaced it (ADR 0015), on the same rows in the same run. The statements are the
// old ones: the 16-column insert, and the sequencer's `UPDATE … FROM (VALUES …)` 64 rows at a
// time (the old `tableLeafQueue`), on the raw handle inside the caller's transaction (the old
// queue went through Kysely, so this copy costs it less than it did: the ratio errs against 0012).
import {
  JOURNAL_RECORD_COLUMNS,
  type JournalRecordRow,
} from '../../packages/herald/src/journal/journal-record-insert.ts';
import type { SqliteHandle } from './node-row-store.ts';

type BetterSqlite = SqliteHandle;

const COLUMNS = JOURNAL_RECORD_COLUMNS.join(', ');
const ROWS = 64;
const assignMany = `update bench_old_records set leaf_index = v.column2 from (values ${Array(ROWS).fill('(?, ?)').join(', ')}) as v where bench_old_records.id = v.column1`;

/** Creates `bench_old_records` exactly as migrations 0002 and 0008 left `journal_records`. */
export function createOldLayout(db: BetterSqlite): void {
  db.exec(`create table bench_old_records (id text primary key, tenant_id text not null, message_id text,
    retention text not null, captured_at bigint not null, expires_at bigint, labels text not null,
    subjects text not null, kind text not null, enc blob not null, enc_seq integer not null, sealed_key blob,
    key_digest blob not null, ciphertext blob not null, leaf_hash blob not null, leaf_index bigint, shredded_at bigint)`);
  db.exec(
    'create unique index bench_old_leaf on bench_old_records (leaf_index) where leaf_index is not null',
  );
  db.exec('create index bench_old_pending on bench_old_records (id) where leaf_index is null');
  db.exec('create index bench_old_expiry on bench_old_records (expires_at) where sealed_key is not null');
}

const inserts = new WeakMap<BetterSqlite, ReturnType<BetterSqlite['prepare']>>();

/** The old capture's write: one row, leaf index null (inside the caller's transaction). */
export function insertOldRecord(db: BetterSqlite, row: JournalRecordRow): void {
  let stmt = inserts.get(db);
  if (stmt === undefined) {
    stmt = db.prepare(
      `insert into bench_old_records (${COLUMNS}) values (${COLUMNS.split(', ').map(() => '?')})`,
    );
    inserts.set(db, stmt);
  }
  stmt.run(...JOURNAL_RECORD_COLUMNS.map((c) => row[c]));
}

/** The old sequencer's reads and writes for one batch: the queue, then each row's leaf index. */
export function integrateOld(db: BetterSqlite, firstIndex: number, limit: number): number {
  const pending = db
    .prepare('select id, leaf_hash from bench_old_records where leaf_index is null order by id limit ?')
    .all(limit) as Array<{ id: string; leaf_hash: Uint8Array }>;
  const keys = pending.map((r) => r.id);
  const many = db.prepare(assignMany);
  let i = 0;
  for (; i + ROWS <= keys.length; i += ROWS) {
    const params: unknown[] = [];
    for (let k = i; k < i + ROWS; k++) params.push(keys[k], firstIndex + k);
    many.run(...params);
  }
  const one = db.prepare('update bench_old_records set leaf_index = ? where id = ?');
  for (; i < keys.length; i++) one.run(firstIndex + i, keys[i]);
  return keys.length;
}
