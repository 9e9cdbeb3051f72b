import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { webhookEventFilter } from '../../src/storage/migrations/0010-webhook-event-filter.ts';
import { Store } from '../../src/storage/store.ts';
import { testDatabases } from '../support/databases.ts';
import { newMessage, twoTenants } from '../support/fixtures.ts';

for (const { db, name } of testDatabases()) {
  describe(
    `migration 0010 (webhook event filter): ${name}`,
    {
      skip: db ? false : 'HERALD_TEST_PG_URL is not set',
    },
    () => {
      let store: Store;
      let url: string;
      let dispose: () => Promise<void>;
      let reopened: Store | undefined;
      before(async () => {
        ({ store, url, dispose } = await db!.open());
      });
      after(async () => {
        // The reopened store first: dropping a PostgreSQL database ends its connections.
        await reopened?.close();
        await dispose();
      });

      it('keeps an endpoint registered before the filter receiving every event', async () => {
        const [a] = await twoTenants(store);
        // The table as it was before 0010 (no events column) holding an endpoint, then the
        // migration itself, as a deployment that upgrades runs it.
        const db = store.conn.db;
        await sql`alter table webhook_endpoints drop column events`.execute(db);
        await sql`insert into webhook_endpoints (id, tenant_id, url, secret_sealed, created_at, disabled_at)
        values ('whk_before0010', ${a}, 'http://127.0.0.1:1/old', 'sealed', 1, null)`.execute(db);
        await webhookEventFilter().up(db as unknown as Kysely<unknown>);
        await store.close();

        store = reopened = await Store.open(url);
        const [endpoint] = await store.webhooks.listEndpoints(a);
        assert.equal(endpoint?.id, 'whk_before0010');
        assert.equal(endpoint.events, null, 'no filter: every event');
        await store.messages.acceptBatch([newMessage(a, { status: 'blocked', sealedContent: null })]);
        const deliveries = await store.webhooks.listDeliveries(a);
        assert.deepEqual(
          deliveries.map((d) => [d.endpoint_id, d.event_type]),
          [['whk_before0010', 'message.blocked']],
        );
      });
    },
  );
}
