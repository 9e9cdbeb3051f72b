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
    prepare(text: string): SqliteStatement {
      // Kysely opens transactions with a deferred `begin`. With a second connection writing
      // (`herald serve` runs its delivery worker in a thread with its own connection), a
      // transaction that reads before it writes would fail with SQLITE_BUSY at its first write
      // if the other connection committed in between: a deferred read lock cannot be upgraded
      // and the busy timeout does not apply. Every transaction here writes, so each takes the
      // write lock at `begin` and waits its turn (busy_timeout) instead.
      const sql = text === 'begin' ? 'begin immediate' : text;
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
