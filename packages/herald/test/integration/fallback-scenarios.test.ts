import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { startGateway, type Gateway } from '../../src/gateway.ts';
import type { Decision, PolicyEngine, RouteStep } from '../../src/policy/decision.ts';
import { eventually } from '../support/dispatcher-harness.ts';

const NOTICE = 'You have a secure message from ACME. Open the app to read it.';

/** A fixed route for every message, standing in for a compiled policy. */
function routeEngine(route: RouteStep[], minimumTier: Decision['minimumTier'] = 'transport'): PolicyEngine {
  return {
    version: 'test-route',
    decide: () => ({
      outcome: 'allow',
      route,
      journal: 'none',
      minimumTier,
      rule: 'test/route',
      policyVersion: 'test-route',
      reasons: ['scenario'],
      trace: [],
    }),
  };
}

const rcsThenSmsNotice: RouteStep[] = [
  {
    channel: 'rcs',
    tier: 'transport',
    content: 'full',
    fallbackOn: [{ on: 'unsupported' }, { on: 'failed' }, { on: 'undelivered_after', ms: 700 }],
    belowMinimumTier: false,
  },
  {
    channel: 'sms',
    tier: 'plaintext',
    content: 'notice',
    notice: NOTICE,
    fallbackOn: [],
    belowMinimumTier: true,
  },
];

interface Detail {
  status: string;
  attempts: Array<{ channel: string; content: string; status: string; errorCode: string | null }>;
  timeline: Array<{ type: string; status: string | null; trigger?: string; toContent?: string }>;
}

async function withGateway(
  route: RouteStep[],
  fn: (send: (to: string) => Promise<Detail>, gw: Gateway) => Promise<void>,
) {
  const dir = mkdtempSync(join(tmpdir(), 'herald-fallback-'));
  const config = loadConfig({
    HERALD_DATA_DIR: dir,
    PORT: '0',
    HERALD_MAX_ATTEMPTS: '2',
    HERALD_RETRY_BASE_MS: '20',
  });
  const gw = await startGateway({
    config,
    api: true,
    worker: true,
    sandbox: true,
    logger: pino({ level: 'silent' }),
    policy: routeEngine(route),
  });
  const auth = { authorization: `Bearer ${gw.sandboxKey}` };
  const send = async (to: string): Promise<Detail> => {
    const res = await gw.app!.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: auth,
      payload: { to, content: { text: 'canary-4b1d account locked' }, classification: 'confidential' },
    });
    assert.equal(res.statusCode, 202, res.body);
    const id = res.json().id as string;
    return eventually(async () => {
      const d = (
        await gw.app!.inject({ method: 'GET', url: `/v1/messages/${id}`, headers: auth })
      ).json() as Detail;
      return ['delivered', 'read', 'undelivered', 'failed', 'expired'].includes(d.status) ? d : undefined;
    }, 20_000);
  };
  try {
    await fn(send, gw);
  } finally {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('fallback scenarios through the simulator', () => {
  it('RCS capable: delivered over RCS, nothing else sent', async () => {
    await withGateway(rcsThenSmsNotice, async (send, gw) => {
      const d = await send('+15550000101');
      assert.ok(['delivered', 'read'].includes(d.status));
      assert.deepEqual(
        d.attempts.map((a) => a.channel),
        ['rcs'],
      );
      assert.equal(gw.sim!.smsc.stats().submitted, 0);
    });
  });

  it('RCS not capable: moves to the next step, which carries only the notice', async () => {
    await withGateway(rcsThenSmsNotice, async (send) => {
      const d = await send('+15550000102');
      assert.equal(d.status, 'delivered');
      assert.deepEqual(
        d.attempts.map((a) => [a.channel, a.content]),
        [['sms', 'notice']],
        'the cached capability skips the doomed RCS send',
      );
      const fell = d.timeline.find((e) => e.status === 'fell_back')!;
      assert.equal(fell.trigger, 'unsupported');
      assert.equal(fell.toContent, 'notice');
    });
  });

  it('RCS accepted but not delivered in time: revokes it, then sends the SMS notice', async () => {
    await withGateway(rcsThenSmsNotice, async (send, gw) => {
      const d = await send('+15550000103');
      assert.equal(d.status, 'delivered');
      assert.deepEqual(
        d.attempts.map((a) => a.channel),
        ['rcs', 'sms'],
      );
      assert.equal(d.timeline.find((e) => e.status === 'fell_back')!.trigger, 'undelivered_after');
      await eventually(
        async () => (gw.sim!.rbm.stats() as { revoked: number }).revoked > 0 || undefined,
        5000,
        'the RCS revoke',
      );
    });
  });

  it('RCS accepted but not delivered in time: a push notice, then the SMS notice, to a user from the directory', async () => {
    const route: RouteStep[] = [
      { ...rcsThenSmsNotice[0]! },
      {
        channel: 'push',
        tier: 'transport',
        content: 'notice',
        notice: NOTICE,
        // Push providers send no receipts: no delivery within the window moves on.
        fallbackOn: [{ on: 'unsupported' }, { on: 'failed' }, { on: 'undelivered_after', ms: 300 }],
        belowMinimumTier: false,
      },
      rcsThenSmsNotice[1]!,
    ];
    await withGateway(route, async (send, gw) => {
      const token = `apns:${'ab'.repeat(32)}`;
      const put = await gw.app!.inject({
        method: 'PUT',
        url: '/v1/contacts/dana',
        headers: { authorization: `Bearer ${gw.sandboxKey}` },
        payload: { phone: '+15550000103', push: [token] },
      });
      assert.equal(put.statusCode, 200, put.body);
      const d = await send('user:dana');
      assert.equal(d.status, 'delivered');
      assert.deepEqual(
        d.attempts.map((a) => [a.channel, a.content]),
        [
          ['rcs', 'full'],
          ['push', 'notice'],
          ['sms', 'notice'],
        ],
      );
      const pushed = gw.sim!.push.received();
      assert.equal(pushed.length, 1, 'one push to the directory token');
      assert.ok(!JSON.stringify(pushed).includes('canary'), 'the push carries no content');
    });
  });

  it('RCS outage: retries, then falls back on failure', async () => {
    await withGateway(rcsThenSmsNotice, async (send) => {
      const d = await send('+15550000106');
      assert.equal(d.status, 'delivered');
      assert.deepEqual(
        d.attempts.map((a) => a.channel),
        ['rcs', 'rcs', 'sms'],
      );
      assert.equal(d.timeline.find((e) => e.status === 'fell_back')!.trigger, 'failed');
    });
  });

  it('restricted content where only SMS reaches: only the notice goes out', async () => {
    const secureThenNotice: RouteStep[] = [
      {
        channel: 'secure',
        tier: 'e2ee',
        content: 'full',
        fallbackOn: [{ on: 'unsupported' }],
        belowMinimumTier: false,
      },
      {
        channel: 'sms',
        tier: 'plaintext',
        content: 'notice',
        notice: NOTICE,
        fallbackOn: [],
        belowMinimumTier: true,
      },
    ];
    await withGateway(secureThenNotice, async (send) => {
      const d = await send('+15550000001');
      assert.equal(d.status, 'delivered');
      assert.deepEqual(
        d.attempts.map((a) => [a.channel, a.content]),
        [['sms', 'notice']],
      );
    });
  });
});

describe('cost accounting', () => {
  it('records the price of every attempt and totals it per channel for the tenant', async () => {
    await withGateway(rcsThenSmsNotice, async (send, gw) => {
      await send('+15550000103'); // RCS attempt, then an SMS notice
      const usage = (
        await gw.app!.inject({
          method: 'GET',
          url: '/v1/usage',
          headers: { authorization: `Bearer ${gw.sandboxKey}` },
        })
      ).json() as { channels: Array<{ channel: string; attempts: number; cost: number }>; total: number };
      const by = Object.fromEntries(usage.channels.map((c) => [c.channel, c]));
      assert.equal(by.rcs!.attempts, 1);
      assert.equal(by.sms!.attempts, 1);
      assert.equal(by.rcs!.cost, 0.005, 'the default RCS price');
      assert.equal(by.sms!.cost, 0.0075, 'the default SMS price');
      assert.equal(usage.total, 0.0125);
    });
  });
});
