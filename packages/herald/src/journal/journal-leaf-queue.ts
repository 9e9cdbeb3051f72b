import { CompiledQuery, sql } from 'kysely';
import { HeraldError } from '../errors/index.ts';
import type { DialectName } from '../storage/connect.ts';
import type { LeafQueue } from './leaf-queue.ts';

// Leaves inserted per SQLite statement: a fixed size, so the statement is parsed once and cached.
const SQLITE_ROWS = 64;
const insertMany = `insert into journal_leaves (leaf_index, record_id) values ${Array(SQLITE_ROWS).fill('(?, ?)').join(', ')}`;
const insertOne = 'insert into journal_leaves (leaf_index, record_id) values (?, ?)';
const deleteMany = `delete from journal_pending where record_id in (${Array(SQLITE_ROWS).fill('?').join(', ')})`;
const deleteOne = 'delete from journal_pending where record_id = ?';

/**
 * The journal's {@link LeafQueue} (ADR 0015): pending records are the rows of `journal_pending`
 * (written beside each record at capture); integrating one inserts its `journal_leaves` row and
 * deletes its queue row, two narrow rows, and never touches the sealed record. Both run in the
 * sequencer's transaction, so a record is pending or a leaf, never both and never neither.
 */
export function journalLeafQueue(dialect: DialectName): LeafQueue {
  return {
    async pending(trx, limit) {
      const rows = await trx
        .selectFrom('journal_pending')
        .select(['record_id', 'leaf_hash'])
        .orderBy('record_id')
        .limit(limit)
        .execute();
      // Fresh buffers from the driver: the tree copies what it keeps.
      return rows.map((r) => ({ key: r.record_id, leafHash: r.leaf_hash }));
    },
    async assign(trx, keys, firstIndex) {
      if (keys.length === 0) return;
      if (dialect === 'postgres') {
        // One statement each for the whole batch instead of a round trip per row.
        await sql`insert into journal_leaves (leaf_index, record_id)
          select ${firstIndex}::bigint + o - 1, id from unnest(${keys as string[]}::text[]) with ordinality as k(id, o)`.execute(
          trx,
        );
        // By id: another process may have queued a record that sorts earlier since `pending`.
        const { numAffectedRows } =
          await sql`delete from journal_pending where record_id = any(${keys as string[]}::text[])`.execute(
            trx,
          );
        dequeued(Number(numAffectedRows), keys.length);
        return;
      }
      let i = 0;
      let removed = 0;
      for (; i + SQLITE_ROWS <= keys.length; i += SQLITE_ROWS) {
        const params: unknown[] = [];
        for (let k = i; k < i + SQLITE_ROWS; k++) params.push(firstIndex + k, keys[k]);
        await trx.executeQuery(CompiledQuery.raw(insertMany, params));
        // By id, not by range: only exactly the records that became leaves leave the queue.
        const r = await trx.executeQuery(CompiledQuery.raw(deleteMany, keys.slice(i, i + SQLITE_ROWS)));
        removed += Number(r.numAffectedRows);
      }
      for (; i < keys.length; i++) {
        await trx.executeQuery(CompiledQuery.raw(insertOne, [firstIndex + i, keys[i]]));
        const r = await trx.executeQuery(CompiledQuery.raw(deleteOne, [keys[i]]));
        removed += Number(r.numAffectedRows);
      }
      dequeued(removed, keys.length);
    },
  };
}

/** Refuses (and so rolls back) a batch whose queue rows are not exactly the ones integrated. */
function dequeued(deleted: number, expected: number): void {
  if (deleted !== expected) {
    throw new HeraldError('HERALD_ERR_JOURNAL_QUEUE_CONFLICT', { expected, removed: deleted });
  }
}
