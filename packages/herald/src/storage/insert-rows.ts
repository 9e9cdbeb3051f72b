import type { Database as BetterSqlite, Statement } from 'better-sqlite3';
import { CompiledQuery, type Insertable, type Kysely, type Transaction } from 'kysely';
import type { DialectName } from './connect.ts';
import type { Database } from './schema.ts';

const sqlCache = new Map<string, string>();
const statements = new WeakMap<BetterSqlite, Map<string, Statement>>();

/**
 * Inserts many rows the fastest way for the dialect: one multi-row statement on PostgreSQL
 * (one round trip), and on SQLite one cached single-row statement run per row (no round trips
 * to save, and re-parsing a long multi-row statement would dominate the cost).
 */
export async function insertRows<T extends keyof Database & string>(
  db: Kysely<Database> | Transaction<Database>,
  dialect: DialectName,
  table: T,
  rows: ReadonlyArray<Insertable<Database[T]>>,
  /**
   * The raw SQLite handle under `db`, when the caller has it: rows then go straight to a
   * prepared statement, skipping Kysely's per-query machinery (the accept path's main CPU cost).
   * Safe inside a Kysely transaction: it is the same connection, used synchronously.
   */
  raw?: BetterSqlite,
): Promise<void> {
  if (rows.length === 0) return;
  if (dialect === 'postgres') {
    // Kysely's typing of `values` over a generic table name is too deep to follow; the rows are typed above.
    await (db.insertInto(table) as unknown as { values(r: unknown): { execute(): Promise<unknown> } })
      .values(rows)
      .execute();
    return;
  }
  const columns = Object.keys(rows[0]!);
  const key = `${table}(${columns.join(',')})`;
  let sql = sqlCache.get(key);
  if (!sql) {
    sql = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values (${columns.map(() => '?').join(', ')})`;
    sqlCache.set(key, sql);
  }
  if (raw) {
    let cache = statements.get(raw);
    if (!cache) statements.set(raw, (cache = new Map()));
    let stmt = cache.get(sql);
    if (!stmt) cache.set(sql, (stmt = raw.prepare(sql)));
    for (const row of rows) {
      const r = row as Record<string, unknown>;
      stmt.run(columns.map((c) => r[c]));
    }
    return;
  }
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    await db.executeQuery(
      CompiledQuery.raw(
        sql,
        columns.map((c) => r[c]),
      ),
    );
  }
}
