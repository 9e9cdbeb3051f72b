import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rbmEvent, rbmUserMessage, signedEnvelope } from '../../simulator/rbm/rbm-events.ts';
import { parseRbmWebhook, rbmSignature } from './rbm-webhook.ts';

const TOKEN = 'client-token-for-tests';

function signed(event: Record<string, unknown>, token = TOKEN): [Buffer, string] {
  const out = signedEnvelope('agent', token, event);
  return [Buffer.from(out.body), out.headers['x-goog-signature']!];
}

describe('RBM webhook parsing', () => {
  it('turns a signed DELIVERED event into a receipt quoting the agent message name', () => {
    const [body, sig] = signed(rbmEvent('agent', '+15550000101', 'DELIVERED', 'msg_1'));
    const parsed = parseRbmWebhook(body, sig, TOKEN);
    assert.equal(parsed.kind, 'receipt');
    if (parsed.kind !== 'receipt') return;
    assert.equal(parsed.receipt.providerMessageId, 'phones/+15550000101/agentMessages/msg_1');
    assert.equal(parsed.receipt.status, 'delivered');
    assert.equal(parsed.receipt.providerStatus, 'DELIVERED');
    assert.match(parsed.receipt.providerEventId ?? '', /^ev-/);
  });

  it('maps READ to read and TTL_EXPIRATION_REVOKED to expired', () => {
    for (const [type, status] of [
      ['READ', 'read'],
      ['TTL_EXPIRATION_REVOKED', 'expired'],
    ] as const) {
      const [body, sig] = signed(rbmEvent('agent', '+15550000101', type, 'msg_2'));
      const parsed = parseRbmWebhook(body, sig, TOKEN);
      assert.equal(parsed.kind === 'receipt' && parsed.receipt.status, status);
    }
  });

  it('surfaces replies, suggestion taps and typing as inbound events', () => {
    const [a, sa] = signed(rbmUserMessage('agent', '+15550000108', { text: 'Yes please' }));
    const text = parseRbmWebhook(a, sa, TOKEN);
    assert.equal(text.kind === 'inbound' && text.event.kind, 'text');
    assert.equal(text.kind === 'inbound' && text.event.text, 'Yes please');
    const [b, sb] = signed(rbmUserMessage('agent', '+15550000108', { text: 'Yes', postbackData: 'yes' }));
    const tap = parseRbmWebhook(b, sb, TOKEN);
    assert.equal(tap.kind === 'inbound' && tap.event.postbackData, 'yes');
    const [c, sc] = signed(rbmEvent('agent', '+15550000108', 'IS_TYPING', 'msg_3'));
    const typing = parseRbmWebhook(c, sc, TOKEN);
    assert.equal(typing.kind === 'inbound' && typing.event.kind, 'typing');
  });

  it('refuses a wrong, missing or forged signature before reading the event', () => {
    const [body, sig] = signed(rbmEvent('agent', '+15550000101', 'DELIVERED', 'msg_4'), 'another-token');
    assert.equal(parseRbmWebhook(body, sig, TOKEN).kind, 'unauthenticated');
    assert.equal(parseRbmWebhook(body, undefined, TOKEN).kind, 'unauthenticated');
    const forged = Buffer.from(JSON.stringify({ message: { data: Buffer.from('{}').toString('base64') } }));
    assert.equal(
      parseRbmWebhook(forged, rbmSignature(TOKEN, Buffer.from('{ }')), TOKEN).kind,
      'unauthenticated',
    );
  });

  it('answers the webhook verification only for the right client token', () => {
    const ok = Buffer.from(JSON.stringify({ clientToken: TOKEN, secret: '1234567890' }));
    assert.deepEqual(parseRbmWebhook(ok, undefined, TOKEN), { kind: 'verification', secret: '1234567890' });
    const bad = Buffer.from(JSON.stringify({ clientToken: 'nope', secret: '1' }));
    assert.equal(parseRbmWebhook(bad, undefined, TOKEN).kind, 'unauthenticated');
  });

  it('reports signed events it cannot use instead of throwing', () => {
    const [a, sa] = signed({ senderPhoneNumber: '+15550000101', eventType: 'DELIVERED' });
    assert.equal(parseRbmWebhook(a, sa, TOKEN).kind, 'malformed');
    const [b, sb] = signed({ senderPhoneNumber: 'nope', eventType: 'READ', messageId: 'x' });
    assert.equal(parseRbmWebhook(b, sb, TOKEN).kind, 'malformed');
    const [c, sc] = signed(rbmEvent('agent', '+15550000101', 'TTL_EXPIRATION_REVOKE_FAILED' as 'READ', 'm'));
    assert.equal(parseRbmWebhook(c, sc, TOKEN).kind, 'ignored');
  });
});
