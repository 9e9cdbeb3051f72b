import { CompiledQuery, sql } from 'kysely';
import type { DialectName } from '../storage/connect.ts';
import type { LeafQueue } from './leaf-queue.ts';

const SQLITE_ROWS = 64;
const assignSql = new Map<string, string>();
// SQLite's UPDATE … FROM (3.33+): each VALUES row finds its entry through the primary key.
const assignMany = (table: string): string => {
  let text = assignSql.get(table);
  if (text === undefined) {
    const values = Array(SQLITE_ROWS).fill('(?, ?)').join(', ');
    text = `update "${table}" set "leaf_index" = v.column2 from (values ${values}) as v where "${table}"."id" = v.column1`;
    assignSql.set(table, text);
  }
  return text;
};

/** A {@link LeafQueue} over a table with `id`, `leaf_hash` and `leaf_index` columns. */
export function tableLeafQueue(
  table: 'audit_events' | 'key_directory_entries',
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
      // Fresh buffers from the driver: the tree copies what it keeps.
      return rows.map((r) => ({ key: r.id, leafHash: r.leaf_hash }));
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
      // Fixed-size statements (parsed once, then cached) that each set many rows.
      let i = 0;
      for (; i + SQLITE_ROWS <= keys.length; i += SQLITE_ROWS) {
        const params: unknown[] = [];
        for (let k = i; k < i + SQLITE_ROWS; k++) params.push(keys[k], firstIndex + k);
        await trx.executeQuery(CompiledQuery.raw(assignMany(table), params));
      }
      for (; i < keys.length; i++) {
        await trx.executeQuery(
          CompiledQuery.raw(`update "${table}" set "leaf_index" = ? where "id" = ?`, [
            firstIndex + i,
            keys[i],
          ]),
        );
      }
    },
  };
}
