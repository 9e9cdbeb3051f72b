import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { startGateway } from '../../src/gateway.ts';
import { openCheckpoint, parseVerifierKey } from '../../src/tlog/index.ts';
import { eventually } from '../support/dispatcher-harness.ts';

describe('journal capture on the message path', () => {
  it('seals a journaled message before it is sent, integrates it under a signed checkpoint, keeps no plaintext', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-journal-'));
    const config = loadConfig({
      HERALD_DATA_DIR: dir,
      PORT: '0',
      HERALD_POLICY_FILE: new URL('../../../../docs/policies/bank.yaml', import.meta.url).pathname,
    });
    const gw = await startGateway({
      config,
      api: true,
      worker: true,
      sandbox: true,
      logger: pino({ level: 'silent' }),
    });
    try {
      const auth = { authorization: `Bearer ${gw.sandboxKey}` };
      const res = await gw.app!.inject({
        method: 'POST',
        url: '/v1/messages',
        headers: auth,
        payload: {
          to: '+15550000001',
          content: { text: 'canary-journal-5e9a your statement is ready' },
          classification: 'internal',
          retention: '7y',
          labels: { audience: 'customer' },
        },
      });
      assert.equal(res.statusCode, 202, res.body);
      const id = res.json().id as string;
      await eventually(async () => {
        const s = (await gw.app!.inject({ method: 'GET', url: `/v1/messages/${id}`, headers: auth })).json()
          .status;
        return s === 'delivered' || s === 'read' ? true : undefined;
      }, 20_000);
      const rec = await gw.store.conn.db
        .selectFrom('journal_records')
        .selectAll()
        .where('message_id', '=', id)
        .executeTakeFirst();
      assert.ok(rec, 'the message was captured');
      assert.ok(
        rec.captured_at <=
          (
            await gw.store.conn.db
              .selectFrom('attempts')
              .select('started_at')
              .where('message_id', '=', id)
              .executeTakeFirstOrThrow()
          ).started_at +
            1000,
      );

      const note = await eventually(
        async () => {
          const r = await gw.app!.inject({ method: 'GET', url: '/v1/tlog/journal/checkpoint' });
          return r.statusCode === 200 ? r.body : undefined;
        },
        10_000,
        'a signed journal checkpoint',
      );
      const verifier = parseVerifierKey(readFileSync(join(dir, 'journal-signer.pub'), 'utf8').trim());
      const { checkpoint } = openCheckpoint(note, { origin: 'herald.local/journal', verifiers: [verifier] });
      assert.ok(Number(checkpoint.size) >= 1);

      await gw.close();
      const dump = readdirSync(dir)
        .filter((f) => f.startsWith('herald.db'))
        .map((f) => readFileSync(join(dir, f)).toString('latin1'))
        .join('');
      assert.equal(dump.includes('canary-journal-5e9a'), false, 'no journaled plaintext at rest');
    } finally {
      await gw.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
