import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { HeraldError } from '../errors/index.ts';
import { initial } from './migrations/0001-initial.ts';
import { tlogJournal } from './migrations/0002-tlog-journal.ts';
import { policyVersions } from './migrations/0003-policy-versions.ts';
import { devices } from './migrations/0004-devices.ts';
import { secureChannel } from './migrations/0005-secure-channel.ts';
import { inbound } from './migrations/0006-inbound.ts';
import { contacts } from './migrations/0007-contacts.ts';
import { partialLeafIndexes } from './migrations/0008-partial-leaf-indexes.ts';
import { inboundRetention } from './migrations/0009-inbound-retention.ts';
import { webhookEventFilter } from './migrations/0010-webhook-event-filter.ts';
import { tlogTiles } from './migrations/0011-tlog-tiles.ts';
import { journalLeaves } from './migrations/0012-journal-leaves.ts';
import { journalMessageIndex } from './migrations/0013-journal-message-index.ts';
import type { Database } from './schema.ts';
import { cachingSqliteDatabase } from './sqlite-statement-cache.ts';

/** The SQL dialects Herald runs on. */
export const DIALECTS = ['sqlite', 'postgres'] as const;
export type DialectName = (typeof DIALECTS)[number];

/** An open database: the Kysely handle and which dialect it speaks. */
export interface Connection {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /**
   * SQLite's write-ahead log file, which the transaction runner fsyncs after each commit off the
   * event loop; undefined for PostgreSQL and in-memory databases.
   */
  readonly walPath?: string;
  /** The raw better-sqlite3 handle under `db` (SQLite only), for the accept path's inserts. */
  readonly sqlite?: SqliteDatabase.Database;
  close(): Promise<void>;
}

/**
 * Opens the database named by `url`: a `postgres://` URL, or a SQLite file path (`:memory:`
 * for tests). SQLite runs in WAL mode. Every transaction goes through the `TransactionRunner`,
 * which groups them into one commit and answers none before the WAL is fsynced — the guarantee of
 * `synchronous=FULL` — but fsyncs on libuv's thread pool instead of inside SQLite, so the event
 * loop keeps serving requests during the flush. SQLite itself runs `synchronous=NORMAL`, which in
 * WAL mode still syncs around checkpoints (https://sqlite.org/pragma.html#pragma_synchronous).
 */
export function connect(url: string, opts: { poolSize?: number } = {}): Connection {
  if (/^postgres(ql)?:\/\//.test(url)) {
    // int8 columns (our millisecond times, bigserial ids) fit exactly in a double.
    pg.types.setTypeParser(20, (v) => Number(v));
    const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10 });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  if (url.includes('://')) throw new HeraldError('HERALD_ERR_STORAGE_BAD_URL');
  if (url !== ':memory:') mkdirSync(dirname(url), { recursive: true });
  const sqlite = new SqliteDatabase(url);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${url === ':memory:' ? 'FULL' : 'NORMAL'}`);
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: cachingSqliteDatabase(sqlite) }),
  });
  return {
    db,
    dialect: 'sqlite',
    sqlite,
    ...(url === ':memory:' ? {} : { walPath: `${url}-wal` }),
    close: () => db.destroy(),
  };
}

/** Brings the schema up to date. Safe to run on every start and from several processes. */
export async function migrate(conn: Connection): Promise<string[]> {
  const provider: MigrationProvider = {
    getMigrations: () =>
      Promise.resolve({
        '0001-initial': initial(conn.dialect),
        '0002-tlog-journal': tlogJournal(conn.dialect),
        '0003-policy-versions': policyVersions(),
        '0004-devices': devices(conn.dialect),
        '0005-secure-channel': secureChannel(conn.dialect),
        '0006-inbound': inbound(),
        '0007-contacts': contacts(),
        '0008-partial-leaf-indexes': partialLeafIndexes(),
        '0009-inbound-retention': inboundRetention(),
        '0010-webhook-event-filter': webhookEventFilter(),
        '0011-tlog-tiles': tlogTiles(conn.dialect),
        '0012-journal-leaves': journalLeaves(conn.dialect),
        '0013-journal-message-index': journalMessageIndex(),
      }),
  };
  const { error, results } = await new Migrator({ db: conn.db, provider }).migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
