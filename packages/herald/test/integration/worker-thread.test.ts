// `herald serve` with its delivery worker in a worker thread (ADR 0014), as a real child process
// against the simulated SMSC, on SQLite (two connections to one WAL file) and PostgreSQL.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { generateApiKey } from '../../src/api/api-key.ts';
import { startSmsc } from '../../src/simulator/smsc/smsc-server.ts';
import { testDatabases } from '../support/databases.ts';
import { eventually } from '../support/dispatcher-harness.ts';
import { startHeraldProcess, stopHeraldProcess } from '../support/herald-process.ts';

const MESSAGES = 150;

/** Waits until the process has printed a line matching `re`. */
async function said(output: () => string, re: RegExp): Promise<void> {
  await eventually(async () => (re.test(output()) ? true : undefined), 10_000, `output ${re}`).catch(
    (e: Error) => {
      throw new Error(`${e.message}: ${output()}`);
    },
  );
}

/** A webhook endpoint that keeps what it receives. */
async function receiver() {
  const hits: Array<{ body: string; headers: IncomingHttpHeaders }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hits.push({ body, headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { hits, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

for (const { db, name } of testDatabases()) {
  describe(
    `herald serve with the worker in a thread (${name})`,
    {
      skip: db ? false : 'HERALD_TEST_PG_URL is not set',
    },
    () => {
      it('delivers every message once, from a second thread, with signed webhooks and full timelines', async (t) => {
        const opened = await db!.open();
        const tenant = await opened.store.tenants.createTenant('threads');
        const { key, hash } = generateApiKey();
        await opened.store.tenants.createApiKey(tenant.id, 'admin', 'threads', hash);
        const smsc = await startSmsc({ host: '127.0.0.1', port: 0, systemId: 'herald', password: 'threads' });
        const hook = await receiver();
        const dir = mkdtempSync(join(tmpdir(), 'herald-threads-'));
        const herald = await startHeraldProcess({
          HERALD_DATA_DIR: dir,
          HERALD_DATABASE_URL: opened.url,
          HERALD_MASTER_KEY: randomBytes(32).toString('base64'),
          HERALD_SMPP_URL: `smpp://herald:threads@127.0.0.1:${smsc.port}`,
        });
        try {
          await said(herald.output, /Worker running \((sqlite|postgres), in a worker thread\)/);
          const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
          const created = await fetch(`${herald.url}/v1/webhooks`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ url: hook.url, events: ['message.delivered'] }),
          });
          assert.equal(created.status, 201);
          const { secret } = (await created.json()) as { secret: string };
          // The SMPP link lives in the worker thread: the API's readiness asks it.
          await eventually(
            async () => ((await fetch(`${herald.url}/readyz`)).status === 200 ? true : undefined),
            10_000,
            'ready (the worker thread bound to the SMSC)',
          );
          const ids = await Promise.all(
            Array.from({ length: MESSAGES }, async (_, i) => {
              const res = await fetch(`${herald.url}/v1/messages`, {
                method: 'POST',
                headers,
                body: JSON.stringify({
                  to: `+1555${String(1_000_000 + i)}`,
                  content: { text: `thread ${i}` },
                  classification: 'internal',
                }),
              });
              assert.equal(res.status, 202);
              return ((await res.json()) as { id: string }).id;
            }),
          );
          await eventually(
            async () => (hook.hits.length >= MESSAGES ? true : undefined),
            60_000,
            'a delivered webhook per message',
          ).catch((e: Error) => {
            throw new Error(`${e.message} (${hook.hits.length}): ${herald.output().slice(-500)}`);
          });

          const wh = new Webhook(secret);
          const delivered = hook.hits.map((h) => {
            const p = wh.verify(h.body, h.headers as Record<string, string>) as {
              type: string;
              data: { id: string };
            };
            assert.equal(p.type, 'message.delivered');
            return p.data.id;
          });
          assert.deepEqual([...new Set(delivered)].sort(), [...ids].sort(), 'each message delivered once');
          assert.equal(smsc.stats().duplicates, 0, 'no message sent twice');

          // Sent from the worker thread: its owner names the thread, not only the process.
          const attempts = await opened.store.conn.db
            .selectFrom('message_events')
            .select('data')
            .where('type', '=', 'attempt')
            .execute();
          assert.equal(attempts.length, MESSAGES);
          const workers = new Set(attempts.map((e) => (JSON.parse(e.data) as { worker: string }).worker));
          assert.equal(workers.size, 1);
          assert.match([...workers][0]!, /:\d+:\d+$/, 'host:pid:thread');

          const res = await fetch(`${herald.url}/v1/messages/${ids[0]}`, { headers });
          const m = (await res.json()) as {
            status: string;
            timeline: Array<{ type: string; status: string | null }>;
          };
          assert.equal(m.status, 'delivered');
          // The default policy tries RCS first, not configured here: it falls back to SMS.
          assert.deepEqual(
            m.timeline.map((e) => `${e.type}${e.status ? `:${e.status}` : ''}`),
            [
              'status:accepted',
              'status:fell_back',
              'attempt',
              'status:sending',
              'status:sent',
              'receipt:delivered',
              'status:delivered',
            ],
          );
          t.diagnostic(`${MESSAGES} messages through the worker thread on ${name}`);

          // SIGTERM closes the API, then the worker thread, then the database: a clean exit.
          assert.deepEqual(await stopHeraldProcess(herald.child, 'SIGTERM'), { code: 0, signal: null });
        } finally {
          await stopHeraldProcess(herald.child, 'SIGKILL');
          await hook.close();
          await smsc.close();
          await opened.dispose();
          rmSync(dir, { recursive: true, force: true });
        }
      });
    },
  );
}

describe('HERALD_WORKER_THREAD=off', () => {
  it('keeps the API and the worker on one thread', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-threads-'));
    const smsc = await startSmsc({ host: '127.0.0.1', port: 0, systemId: 'herald', password: 'one' });
    const herald = await startHeraldProcess({
      HERALD_DATA_DIR: dir,
      HERALD_MASTER_KEY: randomBytes(32).toString('base64'),
      HERALD_SMPP_URL: `smpp://herald:one@127.0.0.1:${smsc.port}`,
      HERALD_WORKER_THREAD: 'off',
    });
    try {
      await said(herald.output, /Worker running \(sqlite\)\./);
    } finally {
      await stopHeraldProcess(herald.child, 'SIGTERM');
      await smsc.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a value other than on or off, with a stable code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-threads-'));
    try {
      await assert.rejects(
        startHeraldProcess({ HERALD_DATA_DIR: dir, HERALD_WORKER_THREAD: 'yes' }),
        /HERALD_ERR_CONFIG_INVALID/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
