import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateApiKey } from '../../src/api/api-key.ts';
import { startSimulator } from '../../src/simulator/control/start-simulator.ts';
import { Store } from '../../src/storage/store.ts';
import { eventually } from '../support/dispatcher-harness.ts';
import { kill, startHeraldProcess } from '../support/herald-process.ts';

const POLICY = `version: 1
name: rcs-then-sms
rules:
  - name: everyday
    when: { classification: [public, internal] }
    allow:
      route:
        - channel: rcs
          fallback_on: [unsupported, failed, { undelivered_after: 3s }]
        - channel: sms
`;

interface Detail {
  status: string;
  attempts: Array<{ channel: string }>;
  timeline: Array<{ status: string | null; trigger?: string }>;
}

describe('durable timers', () => {
  it('fires an undelivered_after fallback once, although the process died during the wait', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-timer-'));
    // The simulated carriers live in this process, so they outlive the gateway.
    const sim = await startSimulator({ host: '127.0.0.1', systemId: 'herald', password: 'timer' });
    try {
      writeFileSync(join(dir, 'policy.yaml'), POLICY);
      const store = await Store.open(join(dir, 'herald.db'));
      const tenant = await store.tenants.createTenant('timer');
      const { key, hash } = generateApiKey();
      await store.tenants.createApiKey(tenant.id, 'sender', 'timer', hash);
      await store.close();
      const env = {
        HERALD_DATA_DIR: dir,
        HERALD_POLICY_FILE: join(dir, 'policy.yaml'),
        HERALD_SMPP_URL: `smpp://herald:timer@127.0.0.1:${sim.smsc.port}`,
        HERALD_RBM_URL: sim.rbm.url,
        HERALD_RBM_AGENT: sim.rbm.agentId,
        HERALD_RBM_TOKEN: sim.rbm.token || 'token',
        HERALD_RBM_CLIENT_TOKEN: sim.rbm.clientToken,
        HERALD_LEASE_MS: '2000',
      };
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const first = await startHeraldProcess(env);
      sim.rbm.setWebhookUrl(`${first.url}/v1/providers/rcs/events`);
      const res = await fetch(`${first.url}/v1/messages`, {
        method: 'POST',
        headers,
        // +15550000103: RCS accepts it and never delivers.
        body: JSON.stringify({
          to: '+15550000103',
          content: { text: 'timer test' },
          classification: 'internal',
        }),
      });
      const { id } = (await res.json()) as { id: string };
      const get = async (url: string) =>
        (await (await fetch(`${url}/v1/messages/${id}`, { headers })).json()) as Detail;
      await eventually(
        async () => ((await get(first.url)).status === 'sent' ? true : undefined),
        15_000,
        'the RCS send',
      );
      await kill(first.child, 'SIGKILL'); // in the middle of the 3 s wait

      const second = await startHeraldProcess(env);
      try {
        sim.rbm.setWebhookUrl(`${second.url}/v1/providers/rcs/events`);
        const d = await eventually(
          async () => {
            const m = await get(second.url);
            return m.status === 'delivered' ? m : undefined;
          },
          30_000,
          'delivery after the fallback',
        );
        const fellBack = d.timeline.filter((e) => e.status === 'fell_back');
        assert.equal(fellBack.length, 1, 'the fallback fired exactly once');
        assert.equal(fellBack[0]!.trigger, 'undelivered_after');
        assert.deepEqual(
          d.attempts.map((a) => a.channel),
          ['rcs', 'sms'],
        );
        assert.equal(sim.smsc.submitsFor(id), 1, 'the SMS went out once');
      } finally {
        await kill(second.child, 'SIGTERM');
      }
    } finally {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
