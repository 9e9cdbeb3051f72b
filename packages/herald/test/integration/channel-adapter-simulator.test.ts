// The whole carrier simulator as sandbox mode starts it, and its control API injecting faults
// into a running provider while an adapter uses it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Receipt } from '../../src/channels/channel-adapter.ts';
import { RbmAdapter } from '../../src/channels/rcs/rbm-adapter.ts';
import { startSimulator } from '../../src/simulator/control/start-simulator.ts';
import { heraldCode, startWebhookReceiver, testMessage, waitFor } from './channel-adapter.helpers.ts';

describe('carrier simulator and its control API', () => {
  test('starts SMSC, RBM, SMTP and push on ephemeral ports, and faults injected over HTTP take effect', async (t) => {
    const sim = await startSimulator();
    const receipts: Receipt[] = [];
    const adapter = new RbmAdapter({
      baseUrl: sim.rbm.url,
      agentId: sim.rbm.agentId,
      accessToken: sim.rbm.token,
      clientToken: sim.rbm.clientToken,
      onReceipt: async (r) => void receipts.push(r),
    });
    const receiver = await startWebhookReceiver(adapter);
    sim.rbm.setWebhookUrl(receiver.url);
    t.after(async () => {
      await adapter.close();
      await receiver.close();
      await sim.close();
    });
    const ports = [sim.smsc.port, sim.rbm.port, sim.smtp.port, sim.push.port, sim.control.port];
    assert.equal(new Set(ports).size, 5);
    assert.ok(ports.every((p) => p > 0));

    const control = (method: string, path: string, body?: unknown): Promise<Response> =>
      fetch(`${sim.control.url}${path}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    assert.equal((await control('POST', '/faults/rbm', { outage: true })).status, 200);
    await assert.rejects(
      adapter.send(testMessage('+15550000101')),
      heraldCode('HERALD_ERR_CHANNEL_UNAVAILABLE', true),
    );
    assert.equal((await control('POST', '/faults/rbm', { outage: false, dropReceipts: true })).status, 200);
    await adapter.send(testMessage('+15550000101'));
    await waitFor('the dropped receipts', () => sim.rbm.stats().eventsDropped >= 1);
    assert.equal(receipts.length, 0);
    assert.equal((await control('DELETE', '/faults/all')).status, 200);
    const sent = await adapter.send(testMessage('+15550000107'));
    await waitFor('a receipt again', () =>
      receipts.some((r) => r.providerMessageId === sent.providerMessageId),
    );

    const stats = (await (await control('GET', '/stats')).json()) as {
      rbm: { accepted: number };
      smtp: unknown;
    };
    assert.equal(stats.rbm.accepted, 2);
    const faults = (await (await control('GET', '/faults')).json()) as Record<string, { down: boolean }>;
    assert.deepEqual(Object.keys(faults), ['rbm', 'smtp', 'push']);
    const bad = await control('POST', '/faults/push', { badResponse: { kind: 'nonsense' } });
    assert.equal(bad.status, 400);
    assert.equal((await control('POST', '/faults/fax', {})).status, 404);
  });

  test('replays the same outcomes for the same seed', async (t) => {
    const profile = (seed: number): string =>
      `seed: ${seed}\nrbm:\n  behaviour: { failureRate: 0.5, deliveryDelayMs: 5 }\n`;
    const { parseProfile } = await import('../../src/simulator/profile.ts');
    const run = async (seed: number): Promise<string> => {
      const sim = await startSimulator({ profile: parseProfile(profile(seed)) });
      const adapter = new RbmAdapter({
        baseUrl: sim.rbm.url,
        agentId: sim.rbm.agentId,
        accessToken: '',
        clientToken: 'x'.repeat(16),
        onReceipt: async () => {},
      });
      try {
        let outcomes = '';
        for (let i = 0; i < 12; i++) {
          const m = testMessage(`+1555000${String(2000 + i)}`, { messageId: `msg_seeded_${i}` as never });
          outcomes += await adapter.send(m).then(
            () => 'A',
            () => 'F',
          );
        }
        return outcomes;
      } finally {
        await adapter.close();
        await sim.close();
      }
    };
    const [a, b, c] = [await run(7), await run(7), await run(8)];
    assert.equal(a, b);
    assert.match(a, /A/);
    assert.match(a, /F/);
    assert.notEqual(a, c);
    void t;
  });
});
