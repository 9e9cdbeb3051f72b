import { CompiledQuery, sql } from 'kysely';
import type { DialectName } from '../storage/connect.ts';
import type { LeafQueue } from './leaf-queue.ts';

/** A {@link LeafQueue} over a table with `id`, `leaf_hash` and `leaf_index` columns. */
export function tableLeafQueue(
  table: 'audit_events' | 'journal_records' | 'key_directory_entries',
  dialect: DialectName,
): LeafQueue {
  return {
    async pending(trx, limit) {
      const rows = await trx
        .selectFrom(table)
        .select(['id', 'leaf_hash'])
        .where('leaf_index', 'is', null)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ key: r.id, leafHash: Uint8Array.from(r.leaf_hash) }));
    },
    async assign(trx, keys, firstIndex) {
      if (dialect === 'postgres') {
        // One statement for the whole batch instead of a round trip per row.
        await sql`update ${sql.table(table)} as t set leaf_index = v.i
          from (select unnest(${keys as string[]}::text[]) as id,
                       generate_series(${firstIndex}::bigint, ${firstIndex + keys.length - 1}::bigint) as i) v
          where t.id = v.id`.execute(trx);
        return;
      }
      const text = `update "${table}" set "leaf_index" = ? where "id" = ?`;
      for (let i = 0; i < keys.length; i++)
        await trx.executeQuery(CompiledQuery.raw(text, [firstIndex + i, keys[i]]));
    },
  };
}
