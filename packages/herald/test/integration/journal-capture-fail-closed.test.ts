// Fail closed: a worker without a journal (scaled out without the archive key) must not send a
// message its policy journals `sealed`. Through the real dispatcher, the SMPP adapter and the
// simulated SMSC, on SQLite and PostgreSQL; the same message with a journal goes out, so the
// test tells the two apart.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import { SmppAdapter } from '../../src/channels/sms/smpp-adapter.ts';
import type { Dispatcher } from '../../src/delivery/dispatcher.ts';
import { FileKeyVault, Journal, parseRetentionClasses } from '../../src/journal/index.ts';
import { loadPolicy } from '../../src/policy/index.ts';
import { startSmsc } from '../../src/simulator/smsc/smsc-server.ts';
import { generateNoteKey, parseSignerKey } from '../../src/tlog/index.ts';
import { apiHarness } from '../support/api-harness.ts';
import { testDatabases } from '../support/databases.ts';
import { eventually, testDispatcher } from '../support/dispatcher-harness.ts';

const BANK = new URL('../../../../docs/policies/bank.yaml', import.meta.url);

interface Detail {
  status: string;
  attempts: Array<{ channel: string; status: string; errorCode: string | null }>;
}

for (const { db, name } of testDatabases()) {
  describe(
    `journal: sealed without a journal on ${name}`,
    {
      skip: db === undefined ? 'HERALD_TEST_PG_URL is not set' : false,
    },
    () => {
      it('fails the message with HERALD_ERR_JOURNAL_ARCHIVE_KEY and sends nothing to the channel', async () => {
        const { store, dispose } = await db!.open();
        const dir = mkdtempSync(join(tmpdir(), 'herald-fail-closed-'));
        const smsc = await startSmsc({ host: '127.0.0.1', port: 0, systemId: 'herald', password: 'closed' });
        const sms = new SmppAdapter({
          host: '127.0.0.1',
          port: smsc.port,
          systemId: 'herald',
          password: 'closed',
          sourceAddr: 'Herald',
          onReceipt: (r) => store.delivery.recordReceipt(r).then(() => undefined),
          logger: pino({ level: 'silent' }),
        });
        let dispatcher: Dispatcher | undefined;
        try {
          await sms.start();
          // The shipped bank policy journals every message `sealed`; an internal message goes RCS
          // (not configured here, so it falls back) and then SMS.
          const { policy } = loadPolicy(readFileSync(BANK, 'utf8'), { filename: 'bank.yaml' });
          const h = await apiHarness(store, { policy });
          const auth = { authorization: `Bearer ${await h.keyFor('bank', 'sender')}` };
          const send = async (text: string) => {
            const res = await h.app.inject({
              method: 'POST',
              url: '/v1/messages',
              headers: auth,
              payload: { to: '+15550000001', content: { text }, classification: 'internal' },
            });
            assert.equal(res.statusCode, 202, res.body);
            return res.json().id as string;
          };
          const finished = (id: string) =>
            eventually(
              async () => {
                const d = (
                  await h.app.inject({ method: 'GET', url: `/v1/messages/${id}`, headers: auth })
                ).json() as Detail;
                return ['failed', 'delivered', 'undelivered'].includes(d.status) ? d : undefined;
              },
              15_000,
              `message ${id} to finish`,
            );
          const journaled = async (id: string) =>
            (
              await store.conn.db
                .selectFrom('journal_records')
                .select('id')
                .where('message_id', '=', id)
                .execute()
            ).length;

          dispatcher = testDispatcher(store, h.box, new Map([['sms', sms]]));
          dispatcher.start();
          const id = await send('canary-fail-closed no journal here');
          const d = await finished(id);
          assert.equal(d.status, 'failed');
          const sms1 = d.attempts.filter((a) => a.channel === 'sms');
          assert.equal(sms1.length, 1, 'not retried: a missing archive key does not come back by retrying');
          assert.equal(sms1[0]!.errorCode, 'HERALD_ERR_JOURNAL_ARCHIVE_KEY');
          assert.equal(smsc.stats().submitted, 0, 'nothing reached the SMSC');
          assert.equal(smsc.submitsFor(id), 0);
          assert.equal(await journaled(id), 0);
          await dispatcher.stop();

          // The same message from a worker that has a journal: captured, then sent.
          const vault = await FileKeyVault.generate(join(dir, 'archive.key'));
          const journal = new Journal({
            db: store.conn.db,
            dialect: store.dialect,
            origin: 'herald.test/journal',
            signer: parseSignerKey(generateNoteKey('herald.test/journal').signerKey),
            archivePublicKey: await vault.publicKey(),
            retention: parseRetentionClasses(),
          });
          dispatcher = testDispatcher(store, h.box, new Map([['sms', sms]]), {}, journal);
          dispatcher.start();
          const ok = await send('canary-fail-closed with a journal');
          assert.equal((await finished(ok)).status, 'delivered');
          assert.equal(smsc.submitsFor(ok), 1);
          assert.equal(await journaled(ok), 1);
        } finally {
          await dispatcher?.stop();
          await sms.close();
          await smsc.close();
          await dispose();
          rmSync(dir, { recursive: true, force: true });
        }
      });
    },
  );
}
