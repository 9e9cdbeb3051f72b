import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateApiKey } from '../../src/api/api-key.ts';
import { startSmsc } from '../../src/simulator/smsc/smsc-server.ts';
import { testDatabases } from '../support/databases.ts';
import { eventually } from '../support/dispatcher-harness.ts';
import { kill, startHeraldProcess } from '../support/herald-process.ts';

const pg = testDatabases().find((d) => d.name === 'postgres')!;

describe('scale-out on PostgreSQL', { skip: pg.db ? false : 'HERALD_TEST_PG_URL is not set' }, () => {
  it('shares the outbox between `herald serve` and a separate `herald worker`, each message sent once', async (t) => {
    const opened = await pg.db!.open();
    const tenant = await opened.store.tenants.createTenant('scale');
    const { key, hash } = generateApiKey();
    await opened.store.tenants.createApiKey(tenant.id, 'sender', 'scale', hash);
    const smsc = await startSmsc({ host: '127.0.0.1', port: 0, systemId: 'herald', password: 'scale' });
    const dir = mkdtempSync(join(tmpdir(), 'herald-scale-'));
    const env = {
      HERALD_DATA_DIR: dir,
      HERALD_DATABASE_URL: opened.url,
      HERALD_MASTER_KEY: randomBytes(32).toString('base64'),
      HERALD_SMPP_URL: `smpp://herald:scale@127.0.0.1:${smsc.port}`,
    };
    const api = await startHeraldProcess(env, ['serve']);
    const worker = await startHeraldProcess(env, ['worker'], /Worker running/);
    try {
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const ids = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const res = await fetch(`${api.url}/v1/messages`, {
            method: 'POST',
            headers,
            body: JSON.stringify({
              to: '+15550000001',
              content: { text: `scale ${i}` },
              classification: 'internal',
            }),
          });
          assert.equal(res.status, 202);
          return ((await res.json()) as { id: string }).id;
        }),
      );
      const statuses = async () =>
        JSON.stringify(
          await opened.store.conn.db
            .selectFrom('messages')
            .select(['status', (e) => e.fn.countAll().as('n')])
            .groupBy('status')
            .execute(),
        );
      await eventually(
        async () => {
          const r = await opened.store.conn.db
            .selectFrom('messages')
            .select((e) => e.fn.countAll().as('n'))
            .where('status', '=', 'delivered')
            .executeTakeFirstOrThrow();
          return Number(r.n) === ids.length ? true : undefined;
        },
        60_000,
        'all messages delivered',
      ).catch(async (e: Error) => {
        throw new Error(`${e.message}: ${await statuses()}; ${api.output().slice(-500)}`);
      });
      const events = await opened.store.conn.db
        .selectFrom('message_events')
        .select('data')
        .where('type', '=', 'attempt')
        .execute();
      const workers = new Set(events.map((e) => (JSON.parse(e.data) as { worker: string }).worker));
      t.diagnostic(
        `${ids.length} messages, attempts by ${workers.size} workers, SMSC duplicates ${smsc.stats().duplicates}`,
      );
      const accepted = await opened.store.conn.db
        .selectFrom('attempts')
        .select((e) => e.fn.countAll().as('n'))
        .where('provider_message_id', 'is not', null)
        .executeTakeFirstOrThrow();
      assert.equal(
        Number(accepted.n),
        ids.length,
        'one accepted send per message (failed tries are retried)',
      );
      assert.equal(smsc.stats().duplicates, 0, 'no message sent twice');
      assert.equal(workers.size, 2, 'both processes took jobs');
    } finally {
      await kill(api.child, 'SIGTERM');
      await kill(worker.child, 'SIGTERM');
      await smsc.close();
      await opened.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
