import type { Database as BetterSqlite, Statement } from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * The subset of better-sqlite3 Kysely uses, with prepared statements cached by their SQL text.
 * Kysely prepares every query anew, and SQLite's parser then costs more than the insert itself
 * (measured here: ~25 µs to parse a row of a multi-row insert, ~7 µs to run a cached
 * single-row statement). Herald's queries come from a small fixed set, so the cache stays small.
 */
export function cachingSqliteDatabase(db: BetterSqlite, maxStatements = 1000): SqliteDatabase {
  const cache = new Map<string, Statement>();
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare(sql: string): SqliteStatement {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = db.prepare(sql);
        // Long multi-row statements differ in length every time; caching them only evicts the rest.
        if (sql.length < 4000) {
          if (cache.size >= maxStatements) cache.delete(cache.keys().next().value!);
          cache.set(sql, stmt);
        }
      }
      return stmt as unknown as SqliteStatement;
    },
  };
}
