import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Store } from '../../src/storage/store.ts';
import { testDatabases } from '../support/databases.ts';

// Before every journaled send the worker asks whether the message was captured already
// (delivery/journal-capture.ts). Without an index that question scans the whole journal.
for (const { db, name } of testDatabases()) {
  void describe(
    `journal lookup by message (${name})`,
    { skip: db ? false : 'HERALD_TEST_PG_URL is not set' },
    () => {
      let store: Store;
      let dispose: () => Promise<void>;
      before(async () => {
        ({ store, dispose } = await db!.open());
      });
      after(async () => dispose());

      it('is answered from an index, not a scan of every record', async () => {
        const conn = store.conn.db;
        if (name === 'sqlite') {
          const plan = await sql<{ detail: string }>`explain query plan
          select id from journal_records where message_id = ${'msg_x'}`.execute(conn);
          const detail = plan.rows.map((r) => r.detail).join('; ');
          assert.match(detail, /USING (COVERING )?INDEX journal_records_message/, detail);
        } else {
          // An empty table is scanned whatever the indexes; forbid scans to see that one is usable.
          await conn.transaction().execute(async (trx) => {
            await sql`set local enable_seqscan = off`.execute(trx);
            const plan = await sql<{ 'QUERY PLAN': string }>`explain
            select id from journal_records where message_id = ${'msg_x'}`.execute(trx);
            const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
            assert.match(text, /journal_records_message/, text);
          });
        }
      });
    },
  );
}
