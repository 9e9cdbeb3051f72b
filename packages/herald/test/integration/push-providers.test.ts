// The push adapter against the simulator's APNs- and FCM-shaped HTTP/2 endpoints over TLS on
// 127.0.0.1 (a certificate made at start, trusted through the adapter's `ca`).
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { simulatorPushOptions } from '../../src/channel-setup.ts';
import { PushAdapter } from '../../src/channels/push/push-adapter.ts';
import type { PushAdapterOptions } from '../../src/channels/push/push-adapter-options.ts';
import { loadProfile } from '../../src/simulator/profile.ts';
import { startPush, type PushHandle } from '../../src/simulator/push/push-server.ts';
import { heraldCode, testMessage } from './channel-adapter.helpers.ts';

const OK_APNS = `apns:${'ab'.repeat(32)}`;
const SECRET = 'TOP-SECRET: the merger closes Friday';
const token = (n: number): string => `apns:${'0'.repeat(63)}${n}`;

async function rig(
  t: TestContext,
  over: Partial<PushAdapterOptions> = {},
): Promise<{ push: PushHandle; adapter: PushAdapter }> {
  const push = await startPush({ profile: loadProfile() });
  const adapter = new PushAdapter({ ...simulatorPushOptions(push), ...over });
  t.after(async () => {
    await adapter.close();
    await push.close();
  });
  await adapter.start();
  return { push, adapter };
}

describe('push adapter against the simulated APNs and FCM', () => {
  test('APNs gets a content-free alert with the reference, and echoes the stable apns-id', async (t) => {
    const { adapter, push } = await rig(t);
    const msg = testMessage(OK_APNS, { body: SECRET });
    const sent = await adapter.send(msg);
    assert.match(sent.providerMessageId, /^[0-9a-f]{8}-[0-9a-f]{4}-8/);
    const [got] = push.received();
    assert.equal(got?.provider, 'apns');
    assert.equal(got?.headers['apns-topic'], push.credentials.apns.topic);
    assert.equal(got?.headers['apns-push-type'], 'alert');
    assert.equal(got?.headers['apns-collapse-id'], msg.messageId);
    assert.deepEqual(JSON.parse(got!.payload).herald, { ref: msg.messageId });
  });

  test('FCM gets a data message with the reference and answers with a message name', async (t) => {
    const { adapter, push } = await rig(t);
    const msg = testMessage('fcm:device-token-1', {
      body: SECRET,
      expiresAt: new Date(Date.now() + 600_000),
    });
    const sent = await adapter.send(msg);
    assert.match(sent.providerMessageId, /^projects\/herald-sandbox\/messages\//);
    const body = JSON.parse(push.received()[0]!.payload);
    assert.deepEqual(body.message.data, { herald_ref: msg.messageId });
    assert.match(body.message.android.ttl, /^(599|600)s$/);
  });

  test('the simulator never receives the message text, on content or notice steps', async (t) => {
    const { adapter, push } = await rig(t);
    await adapter.send(testMessage(OK_APNS, { body: SECRET }));
    await adapter.send(testMessage('fcm:device-token-2', { body: SECRET }));
    await adapter.send(testMessage(OK_APNS, { body: SECRET, contentKind: 'notice' }));
    await adapter.send(
      testMessage(OK_APNS, { body: SECRET, rich: { card: { title: SECRET, description: SECRET } } }),
    );
    const wire = JSON.stringify(push.received());
    assert.equal(push.received().length, 4);
    assert.ok(!wire.includes('TOP-SECRET'), 'message content reached the push provider');
    assert.ok(!wire.includes('merger'));
  });

  test('sandbox tokens map to permanent and retryable errors on both providers', async (t) => {
    const { adapter } = await rig(t);
    const cases: [string, string, boolean][] = [
      [token(2), 'HERALD_ERR_CHANNEL_RECIPIENT_UNSUPPORTED', false],
      [token(3), 'HERALD_ERR_CHANNEL_INVALID_DESTINATION', false],
      [token(4), 'HERALD_ERR_CHANNEL_THROTTLED', true],
      [token(5), 'HERALD_ERR_CHANNEL_UNAVAILABLE', true],
      ['fcm:sandbox-unregistered', 'HERALD_ERR_CHANNEL_RECIPIENT_UNSUPPORTED', false],
      ['fcm:sandbox-bad-token', 'HERALD_ERR_CHANNEL_REJECTED', false],
      ['fcm:sandbox-throttled', 'HERALD_ERR_CHANNEL_THROTTLED', true],
      ['fcm:sandbox-unavailable', 'HERALD_ERR_CHANNEL_UNAVAILABLE', true],
    ];
    for (const [to, code, retryable] of cases) {
      await assert.rejects(adapter.send(testMessage(to)), heraldCode(code, retryable), to);
    }
  });

  test('a provider token signed with the wrong key is refused as a credentials problem', async (t) => {
    const push = await startPush({ profile: loadProfile() });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const opts = simulatorPushOptions(push);
    const adapter = new PushAdapter({ apns: { ...opts.apns!, privateKey } });
    t.after(async () => {
      await adapter.close();
      await push.close();
    });
    await assert.rejects(
      adapter.send(testMessage(OK_APNS)),
      heraldCode('HERALD_ERR_CHANNEL_AUTH_FAILED', false),
    );
    assert.equal(push.stats().refused, 1);
  });

  test('addresses that are not push tokens are invalid without a request', async (t) => {
    const { adapter, push } = await rig(t);
    await assert.rejects(
      adapter.send(testMessage('+15550000001')),
      heraldCode('HERALD_ERR_CHANNEL_INVALID_DESTINATION', false),
    );
    assert.equal(await adapter.canReach('apns:zz'), false);
    assert.equal(await adapter.canReach(OK_APNS), true);
    assert.equal(push.stats().requests, 0);
  });
});
