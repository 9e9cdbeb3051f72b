import type { Database as BetterSqlite, Statement } from 'better-sqlite3';
import { CompiledQuery, sql, type Transaction } from 'kysely';
import { HeraldError } from '../errors/index.ts';
import type { DialectName } from '../storage/connect.ts';
import type { Database } from '../storage/schema.ts';
import type { LeafQueue, PendingLeaf } from './leaf-queue.ts';

// Rows per SQLite statement: a fixed size, so each statement is parsed once and cached.
const SQLITE_ROWS = 64;
const SELECT_PENDING = 'select record_id, leaf_hash from journal_pending order by record_id limit ?';
const INSERT_MANY = `insert into journal_leaves (leaf_index, record_id) values ${Array(SQLITE_ROWS).fill('(?, ?)').join(', ')}`;
const INSERT_ONE = 'insert into journal_leaves (leaf_index, record_id) values (?, ?)';
const DELETE_MANY = `delete from journal_pending where record_id in (${Array(SQLITE_ROWS).fill('?').join(', ')})`;
const DELETE_ONE = 'delete from journal_pending where record_id = ?';

/**
 * The journal's {@link LeafQueue} (ADR 0015): pending records are the rows of `journal_pending`
 * (written beside each record at capture); integrating one inserts its `journal_leaves` row and
 * deletes its queue row **by id**, two narrow rows, and never touches the sealed record. Both run
 * in the sequencer's transaction, and a batch whose deletions are not exactly its records fails
 * (`HERALD_ERR_JOURNAL_QUEUE_CONFLICT`) and rolls back: a record is queued or a leaf, never both
 * and never neither.
 *
 * `raw`, the better-sqlite3 handle under the sequencer's connection (SQLite only): statements
 * then run on it directly, inside the same transaction, without the query builder.
 */
export function journalLeafQueue(dialect: DialectName, raw?: BetterSqlite): LeafQueue {
  if (dialect === 'postgres') return postgresQueue;
  const sqlite = sqliteStatements(raw);
  return {
    async pending(trx, limit) {
      const rows = await sqlite.all<{ record_id: string; leaf_hash: Uint8Array }>(trx, SELECT_PENDING, [
        limit,
      ]);
      // Fresh buffers from the driver: the tree copies what it keeps.
      return rows.map((r): PendingLeaf => ({ key: r.record_id, leafHash: r.leaf_hash }));
    },
    async assign(trx, keys, firstIndex) {
      let i = 0;
      let removed = 0;
      for (; i + SQLITE_ROWS <= keys.length; i += SQLITE_ROWS) {
        const params: unknown[] = [];
        for (let k = i; k < i + SQLITE_ROWS; k++) params.push(firstIndex + k, keys[k]);
        await sqlite.run(trx, INSERT_MANY, params);
        removed += await sqlite.run(trx, DELETE_MANY, keys.slice(i, i + SQLITE_ROWS));
      }
      for (; i < keys.length; i++) {
        await sqlite.run(trx, INSERT_ONE, [firstIndex + i, keys[i]]);
        removed += await sqlite.run(trx, DELETE_ONE, [keys[i]]);
      }
      dequeued(removed, keys.length);
    },
  };
}

const postgresQueue: LeafQueue = {
  async pending(trx, limit) {
    const rows = await trx
      .selectFrom('journal_pending')
      .select(['record_id', 'leaf_hash'])
      .orderBy('record_id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ key: r.record_id, leafHash: r.leaf_hash }));
  },
  async assign(trx, keys, firstIndex) {
    if (keys.length === 0) return;
    // One statement each for the whole batch instead of a round trip per row.
    await sql`insert into journal_leaves (leaf_index, record_id)
      select ${firstIndex}::bigint + o - 1, id from unnest(${keys as string[]}::text[]) with ordinality as k(id, o)`.execute(
      trx,
    );
    // By id: another process may have queued a record that sorts earlier since `pending`.
    const { numAffectedRows } =
      await sql`delete from journal_pending where record_id = any(${keys as string[]}::text[])`.execute(trx);
    dequeued(Number(numAffectedRows), keys.length);
  },
};

/** SQLite statements on the raw handle when there is one (cached), else through `trx`. */
function sqliteStatements(raw: BetterSqlite | undefined) {
  const cache = new Map<string, Statement<unknown[]>>();
  const stmt = (text: string) => {
    let s = cache.get(text);
    if (s === undefined) cache.set(text, (s = raw!.prepare<unknown[]>(text)));
    return s;
  };
  return {
    async all<R>(trx: Transaction<Database>, text: string, params: readonly unknown[]): Promise<R[]> {
      if (raw) return stmt(text).all(...params) as R[];
      return (await trx.executeQuery<R>(CompiledQuery.raw(text, [...params]))).rows;
    },
    /** Runs a write; resolves to the number of rows it changed. */
    async run(trx: Transaction<Database>, text: string, params: readonly unknown[]): Promise<number> {
      if (raw) return stmt(text).run(...params).changes;
      return Number((await trx.executeQuery(CompiledQuery.raw(text, [...params]))).numAffectedRows ?? 0);
    },
  };
}

/** Refuses (and so rolls back) a batch whose queue rows are not exactly the ones integrated. */
function dequeued(deleted: number, expected: number): void {
  if (deleted !== expected) {
    throw new HeraldError('HERALD_ERR_JOURNAL_QUEUE_CONFLICT', { expected, removed: deleted });
  }
}
