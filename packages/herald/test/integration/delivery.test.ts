import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { startGateway, type Gateway } from '../../src/gateway.ts';
import { builtinPolicy } from '../../src/policy/builtin-policy.ts';
import { eventually } from '../support/dispatcher-harness.ts';

interface Detail {
  status: string;
  attempts: Array<{ status: string; errorCode: string | null; providerMessageId: string | null }>;
  timeline: Array<{ type: string; status: string | null; retryable?: boolean; nextTry?: number | null }>;
  receipts: Array<{ providerStatus: string }>;
}

describe('delivery through the SMPP simulator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-delivery-'));
  let gw: Gateway;
  let auth: { authorization: string };

  before(async () => {
    const config = loadConfig({
      HERALD_DATA_DIR: dir,
      PORT: '0',
      HERALD_MAX_ATTEMPTS: '3',
      HERALD_RETRY_BASE_MS: '20',
      HERALD_RETRY_MAX_MS: '50',
    });
    gw = await startGateway({
      config,
      api: true,
      worker: true,
      sandbox: true,
      logger: pino({ level: 'silent' }),
      // The built-in SMS-only policy: these tests are about the SMPP path's own outcomes.
      policy: builtinPolicy,
    });
    auth = { authorization: `Bearer ${gw.sandboxKey}` };
  });
  after(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function sendAndWait(to: string, extra: object = {}): Promise<Detail> {
    const res = await gw.app!.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: auth,
      payload: { to, content: { text: 'delivery test' }, classification: 'internal', ...extra },
    });
    assert.equal(res.statusCode, 202, res.body);
    const id = res.json().id as string;
    return eventually(
      async () => {
        const d = (
          await gw.app!.inject({ method: 'GET', url: `/v1/messages/${id}`, headers: auth })
        ).json() as Detail;
        return ['delivered', 'undelivered', 'failed', 'expired'].includes(d.status) ? d : undefined;
      },
      20_000,
      `a final status for ${to}`,
    );
  }

  it('delivers, with the provider id and the receipt on the timeline', async () => {
    const d = await sendAndWait('+15550000001');
    assert.equal(d.status, 'delivered');
    assert.equal(d.attempts.length, 1);
    assert.ok(d.attempts[0]!.providerMessageId);
    assert.equal(d.receipts[0]!.providerStatus, 'DELIVRD');
  });

  it('ends undelivered when the network says so', async () => {
    assert.equal((await sendAndWait('+15550000002')).status, 'undelivered');
  });

  it('retries a throttled send with backoff and gives up after the bounded attempts', async () => {
    const d = await sendAndWait('+15550000003');
    assert.equal(d.status, 'failed');
    assert.equal(d.attempts.length, 3);
    assert.ok(d.attempts.every((a) => a.errorCode === 'HERALD_ERR_CHANNEL_THROTTLED'));
    const failures = d.timeline.filter((e) => e.type === 'attempt_failed');
    assert.deepEqual(
      failures.map((f) => f.retryable),
      [true, true, true],
    );
    assert.equal(failures.at(-1)!.nextTry, null, 'the last failure schedules nothing');
  });

  it('does not retry a permanent rejection', async () => {
    const d = await sendAndWait('+15550000004');
    assert.equal(d.status, 'failed');
    assert.equal(d.attempts.length, 1);
    assert.equal(d.attempts[0]!.errorCode, 'HERALD_ERR_CHANNEL_REJECTED');
  });

  it('retries an SMSC system error', async () => {
    const d = await sendAndWait('+15550000008');
    assert.equal(d.attempts.length, 3);
    assert.equal(d.attempts[0]!.errorCode, 'HERALD_ERR_CHANNEL_UNAVAILABLE');
  });

  it('expires a message whose receipt never comes before its TTL', async () => {
    const d = await sendAndWait('+15550000005', { ttl: 1 });
    assert.equal(d.status, 'expired');
    assert.equal(d.attempts[0]!.status, 'accepted');
  });
});
