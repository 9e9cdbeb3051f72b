import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AttemptId, MessageId, TenantId } from '../../ids.ts';
import type { OutboundMessage } from '../channel-adapter.ts';
import { checkAgentMessage } from '../../simulator/rbm/rbm-validate.ts';
import { agentMessageBody } from './rbm-content.ts';

const base: OutboundMessage = {
  messageId: 'msg_1' as MessageId,
  attemptId: 'att_1' as AttemptId,
  tenantId: 'ten_1' as TenantId,
  to: '+15550000101',
  body: 'Your parcel arrives today',
  contentKind: 'full',
};

describe('RBM agent message body', () => {
  it('sends plain text with the deadline as expireTime', () => {
    const body = agentMessageBody({ ...base, expiresAt: new Date('2030-01-01T00:00:00Z') }, { now: 0 });
    assert.deepEqual(body, {
      contentMessage: { text: 'Your parcel arrives today' },
      expireTime: '2030-01-01T00:00:00.000Z',
    });
    assert.deepEqual(checkAgentMessage(body, 0), { ok: true, expireAt: Date.parse('2030-01-01T00:00:00Z') });
  });

  it('falls back to the default ttl as a protobuf Duration', () => {
    assert.equal(agentMessageBody(base, { defaultTtlSeconds: 600 })['ttl'], '600s');
  });

  it('builds a standalone rich card with suggestions the API accepts', () => {
    const body = agentMessageBody({
      ...base,
      rich: {
        card: { title: 'Delivery', mediaUrl: 'https://example.test/p.png' },
        suggestions: [
          { kind: 'reply', text: 'Thanks', postbackData: 'thanks' },
          { kind: 'open_url', text: 'Track', postbackData: 'track', url: 'https://example.test/t' },
          { kind: 'dial', text: 'Call us', postbackData: 'call', phoneNumber: '+15550000000' },
        ],
      },
    });
    const content = body['contentMessage'] as Record<string, unknown>;
    assert.equal(content['fallbackText'], base.body);
    assert.equal(content['text'], undefined);
    assert.equal((content['suggestions'] as unknown[]).length, 3);
    assert.deepEqual(checkAgentMessage(body), { ok: true });
  });

  it('sends a notice without rich parts', () => {
    const body = agentMessageBody({
      ...base,
      contentKind: 'notice',
      body: 'You have a secure message',
      rich: { suggestions: [{ kind: 'reply', text: 'Open', postbackData: 'open' }] },
    });
    assert.deepEqual(body, { contentMessage: { text: 'You have a secure message' } });
  });

  it('refuses text over 3072 characters and messages already expired', () => {
    assert.throws(() => agentMessageBody({ ...base, body: 'x'.repeat(3073) }), /longer than 3072/);
    assert.throws(
      () => agentMessageBody({ ...base, expiresAt: new Date(1000) }, { now: 2000 }),
      (e: { code?: string }) => e.code === 'HERALD_ERR_CHANNEL_REJECTED',
    );
  });
});
