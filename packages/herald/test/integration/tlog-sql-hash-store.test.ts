// The HashStore contract suite (tlog/testing/hash-store-contract.ts) against SQL: SQLite always,
// PostgreSQL when HERALD_TEST_PG_URL is set. Each test gets a fresh log id in one database.
import { randomUUID } from 'node:crypto';
import { after, describe } from 'node:test';
import { SqlHashStore } from '../../src/tlog/sql-hash-store.ts';
import { hashStoreContract } from '../../src/tlog/testing/hash-store-contract.ts';
import type { Store } from '../../src/storage/store.ts';
import { testDatabases } from '../support/databases.ts';

for (const { db, name } of testDatabases()) {
  describe(
    `SqlHashStore on ${name}`,
    { skip: db === undefined ? 'HERALD_TEST_PG_URL is not set' : false },
    () => {
      let opened: Promise<{ store: Store; dispose(): Promise<void> }> | undefined;
      const open = () => (opened ??= db!.open());
      after(async () => {
        if (opened) await (await opened).dispose();
      });
      hashStoreContract(`SqlHashStore (${name})`, async () => {
        const { store } = await open();
        return new SqlHashStore(store.conn.db, store.dialect, `test/${randomUUID()}`);
      });
    },
  );
}
