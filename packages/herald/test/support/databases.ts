import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Store } from '../../src/storage/store.ts';

/** A database a test can use and throw away. */
export interface TestDatabase {
  readonly name: 'sqlite' | 'postgres';
  /** A fresh, migrated, empty store. */
  open(): Promise<{ store: Store; url: string; dispose(): Promise<void> }>;
}

const sqlite: TestDatabase = {
  name: 'sqlite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'herald-test-'));
    const url = join(dir, 'herald.db');
    const store = await Store.open(url);
    return {
      store,
      url,
      async dispose() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/** PostgreSQL from HERALD_TEST_PG_URL (CI starts a throwaway cluster): one new database per use. */
function postgres(baseUrl: string): TestDatabase {
  return {
    name: 'postgres',
    async open() {
      const dbName = `herald_t_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: baseUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${dbName}`);
      await admin.end();
      const u = new URL(baseUrl);
      u.pathname = `/${dbName}`;
      const url = u.toString();
      const store = await Store.open(url, { poolSize: 5 });
      return {
        store,
        url,
        async dispose() {
          await store.close();
          const c = new pg.Client({ connectionString: baseUrl });
          await c.connect();
          await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
          await c.end();
        },
      };
    },
  };
}

/**
 * Every database the contract suites run against. PostgreSQL is included when
 * HERALD_TEST_PG_URL is set (always in CI); locally its tests are reported as skipped.
 */
export function testDatabases(): Array<{ db: TestDatabase | undefined; name: string }> {
  const pgUrl = process.env.HERALD_TEST_PG_URL;
  return [
    { db: sqlite, name: 'sqlite' },
    { db: pgUrl ? postgres(pgUrl) : undefined, name: 'postgres' },
  ];
}
