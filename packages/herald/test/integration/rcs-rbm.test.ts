// The RBM adapter against the simulator's RBM-shaped API over HTTP on 127.0.0.1, with the
// adapter's webhook mounted on a local receiver the way the API route mounts it.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { InboundEvent, Receipt, ReceiptSink } from '../../src/channels/channel-adapter.ts';
import { RbmAdapter } from '../../src/channels/rcs/rbm-adapter.ts';
import type { RbmAdapterOptions } from '../../src/channels/rcs/rbm-adapter-options.ts';
import { loadProfile, parseProfile } from '../../src/simulator/profile.ts';
import { startRbm, type RbmHandle } from '../../src/simulator/rbm/rbm-server.ts';
import {
  heraldCode,
  startWebhookReceiver,
  testMessage,
  waitFor,
  type WebhookReceiver,
} from './channel-adapter.helpers.ts';

interface Rig {
  rbm: RbmHandle;
  adapter: RbmAdapter;
  receiver: WebhookReceiver;
  receipts: Receipt[];
  inbound: InboundEvent[];
}

async function rig(
  t: TestContext,
  opts: { profile?: string; adapter?: Partial<RbmAdapterOptions>; sink?: ReceiptSink } = {},
): Promise<Rig> {
  const profile = opts.profile === undefined ? loadProfile() : parseProfile(opts.profile);
  const rbm = await startRbm({ profile });
  const receipts: Receipt[] = [];
  const inbound: InboundEvent[] = [];
  const adapter = new RbmAdapter({
    baseUrl: rbm.url,
    agentId: rbm.agentId,
    accessToken: rbm.token,
    clientToken: rbm.clientToken,
    onReceipt: opts.sink ?? (async (r) => void receipts.push(r)),
    onInbound: async (e) => void inbound.push(e),
    ...opts.adapter,
  });
  const receiver = await startWebhookReceiver(adapter);
  rbm.setWebhookUrl(receiver.url);
  t.after(async () => {
    await adapter.close();
    await rbm.close();
    await receiver.close();
  });
  await adapter.start();
  return { rbm, adapter, receiver, receipts, inbound };
}

const FAST = `rbm:
  agentId: test-agent
  clientToken: test-client-token
  webhookRetryMs: 20
  behaviour: { deliveryDelayMs: 5, readRate: 0 }
`;

describe('RBM adapter against the simulated RBM platform', () => {
  test('a capable number gets the message, then DELIVERED and READ receipts through the signed webhook', async (t) => {
    const { adapter, rbm, receipts } = await rig(t);
    assert.equal(adapter.isReady(), true);
    assert.equal(await adapter.canReach('+15550000101'), true);
    const msg = testMessage('+15550000101');
    const sent = await adapter.send(msg);
    assert.equal(sent.providerMessageId, `phones/+15550000101/agentMessages/${msg.messageId}`);
    await waitFor('delivered and read', () => receipts.length === 2);
    assert.deepEqual(
      receipts.map((r) => [r.providerMessageId, r.status, r.providerStatus]),
      [
        [sent.providerMessageId, 'delivered', 'DELIVERED'],
        [sent.providerMessageId, 'read', 'READ'],
      ],
    );
    assert.equal(rbm.stats().capabilityChecks, 1);
  });

  test('caches capability answers, and skips a number it knows is not on RCS', async (t) => {
    const { adapter, rbm } = await rig(t);
    assert.equal(await adapter.canReach('+15550000102'), false);
    assert.equal(await adapter.canReach('+15550000102'), false);
    const [a, b] = await Promise.all([adapter.canReach('+15550000199'), adapter.canReach('+15550000199')]);
    assert.deepEqual([a, b], [true, true]);
    assert.equal(rbm.stats().capabilityChecks, 2, 'one lookup per number, concurrent callers share it');
    await assert.rejects(
      adapter.send(testMessage('+15550000102')),
      heraldCode('HERALD_ERR_CHANNEL_RECIPIENT_UNSUPPORTED', false),
    );
    assert.equal(rbm.stats().submitted, 0, 'a doomed send is not attempted');
  });

  test('a device that left RCS fails the send as unsupported and is remembered', async (t) => {
    const { adapter, rbm } = await rig(t);
    assert.equal(await adapter.canReach('+15550000104'), true);
    await assert.rejects(
      adapter.send(testMessage('+15550000104')),
      heraldCode('HERALD_ERR_CHANNEL_RECIPIENT_UNSUPPORTED', false),
    );
    assert.equal(await adapter.canReach('+15550000104'), false);
    assert.equal(rbm.stats().notCapable, 1);
  });

  test('capability answers expire after their TTL', async (t) => {
    const { adapter, rbm } = await rig(t, { adapter: { capabilityTtlMs: 30, negativeCapabilityTtlMs: 30 } });
    assert.equal(await adapter.canReach('+15550000150'), true);
    rbm.setCapability('+15550000150', false);
    assert.equal(await adapter.canReach('+15550000150'), true, 'still cached');
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(await adapter.canReach('+15550000150'), false);
  });

  test('revokes a message that was not delivered, and reports a revoke that came too late', async (t) => {
    const { adapter, rbm, receipts } = await rig(t);
    const pending = await adapter.send(testMessage('+15550000103'));
    await adapter.revoke(pending.providerMessageId);
    assert.equal(rbm.stats().revoked, 1);
    const delivered = await adapter.send(testMessage('+15550000101'));
    await waitFor('delivered', () =>
      receipts.some((r) => r.providerMessageId === delivered.providerMessageId),
    );
    await assert.rejects(
      adapter.revoke(delivered.providerMessageId),
      heraldCode('HERALD_ERR_CHANNEL_REVOKE_TOO_LATE', false),
    );
  });

  test('an undelivered message with a deadline comes back as an expired receipt', async (t) => {
    const { adapter, receipts, rbm } = await rig(t);
    const msg = testMessage('+15550000103', { expiresAt: new Date(Date.now() + 60) });
    const sent = await adapter.send(msg);
    assert.match(String((rbm.message(msg.messageId)?.body as { expireTime?: string }).expireTime), /Z$/);
    await waitFor('expired', () => receipts.length === 1);
    assert.deepEqual(
      [receipts[0]?.providerMessageId, receipts[0]?.status],
      [sent.providerMessageId, 'expired'],
    );
  });

  test('sends rich cards and suggestions in the RBM wire shape', async (t) => {
    const { adapter, rbm } = await rig(t);
    const msg = testMessage('+15550000107', {
      rich: {
        card: { title: 'Your parcel', mediaUrl: 'https://example.test/p.png' },
        suggestions: [{ kind: 'reply', text: 'Thanks', postbackData: 'thanks' }],
      },
    });
    await adapter.send(msg);
    const content = (rbm.message(msg.messageId)?.body as { contentMessage: Record<string, unknown> })
      .contentMessage;
    assert.equal(content['fallbackText'], msg.body);
    assert.ok(content['richCard']);
    assert.deepEqual(content['suggestions'], [{ reply: { text: 'Thanks', postbackData: 'thanks' } }]);
  });

  test('user replies, suggestion taps and typing reach the inbound sink', async (t) => {
    const { adapter, rbm, inbound } = await rig(t);
    await adapter.send(testMessage('+15550000108'));
    await waitFor('the tapped suggestion', () => inbound.some((e) => e.kind === 'suggestion'));
    rbm.userReply('+15550000108', { text: 'Call me' });
    await waitFor('the typed reply', () => inbound.some((e) => e.kind === 'text'));
    assert.deepEqual(
      inbound.map((e) => [e.kind, e.from]),
      [
        ['typing', '+15550000108'],
        ['suggestion', '+15550000108'],
        ['text', '+15550000108'],
      ],
    );
    assert.equal(inbound[1]?.postbackData, 'yes');
  });

  test('a receipt the sink cannot store is answered 503 and redelivered by the platform', async (t) => {
    let failures = 1;
    const receipts: Receipt[] = [];
    const { adapter, rbm, receiver } = await rig(t, {
      profile: FAST,
      sink: async (r) => {
        if (failures-- > 0) throw new Error('database busy');
        receipts.push(r);
      },
    });
    await adapter.send(testMessage('+15550000120'));
    await waitFor('the redelivered receipt', () => receipts.length === 1);
    assert.deepEqual(receiver.answers, [503, 200]);
    assert.equal(rbm.stats().webhook.retried, 1);
  });

  test('refuses webhooks with a forged signature', async (t) => {
    const { receiver, receipts } = await rig(t);
    const data = Buffer.from(
      JSON.stringify({ senderPhoneNumber: '+15550000101', eventType: 'DELIVERED', messageId: 'x' }),
    );
    const res = await fetch(receiver.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-signature': 'AAAA' },
      body: JSON.stringify({ message: { data: data.toString('base64') } }),
    });
    assert.equal(res.status, 401);
    assert.equal(receipts.length, 0);
  });

  test('answers the RBM console webhook verification with the secret', async (t) => {
    const { receiver, rbm } = await rig(t);
    const res = await fetch(receiver.url, {
      method: 'POST',
      body: JSON.stringify({ clientToken: rbm.clientToken, secret: '1234567890' }),
    });
    assert.deepEqual([res.status, await res.text()], [200, '1234567890']);
  });

  test('an outage injected at runtime fails sends as retryable until restored', async (t) => {
    const { adapter, rbm } = await rig(t, { profile: FAST });
    rbm.faults.outage();
    await assert.rejects(
      adapter.send(testMessage('+15550000130')),
      heraldCode('HERALD_ERR_CHANNEL_UNAVAILABLE', true),
    );
    rbm.faults.restore();
    await adapter.send(testMessage('+15550000130'));
    assert.equal(rbm.stats().accepted, 1);
  });
});
