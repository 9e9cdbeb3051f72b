import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OutboundMessage } from '../channel-adapter.ts';
import { isHeraldError } from '../../errors/index.ts';
import type { AttemptId, MessageId, TenantId } from '../../ids.ts';
import { buildSubmitFields } from './submit-fields.ts';

function message(over: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    messageId: 'msg_1' as MessageId,
    attemptId: 'att_1' as AttemptId,
    tenantId: 'ten_1' as TenantId,
    to: '+15550000001',
    body: 'Your code is 123456',
    contentKind: 'full',
    ...over,
  };
}

describe('buildSubmitFields', () => {
  test('sends E.164 numbers as TON 1 / NPI 1 without the plus, asking for a receipt', () => {
    const fields = buildSubmitFields({ sourceAddr: '+4915112345678' })(message());
    assert.equal(fields['destination_addr'], '15550000001');
    assert.equal(fields['dest_addr_ton'], 1);
    assert.equal(fields['dest_addr_npi'], 1);
    assert.equal(fields['source_addr'], '4915112345678');
    assert.equal(fields['source_addr_ton'], 1);
    assert.equal(fields['registered_delivery'], 1);
    assert.equal(fields['herald_message_id'], 'msg_1');
    assert.deepEqual(fields['short_message'], Buffer.from('Your code is 123456'));
    assert.equal(fields['data_coding'], 0);
    assert.equal('validity_period' in fields, false);
  });

  test('classifies senders: alphanumeric and short codes, with overrides', () => {
    assert.equal(buildSubmitFields({ sourceAddr: 'Herald' })(message())['source_addr_ton'], 5);
    assert.equal(buildSubmitFields({ sourceAddr: '12345' })(message())['source_addr_ton'], 0);
    assert.equal(
      buildSubmitFields({ sourceAddr: '12345', sourceAddrTon: 3 })(message())['source_addr_ton'],
      3,
    );
    assert.throws(
      () => buildSubmitFields({ sourceAddr: 'not a valid sender!' }),
      (e) => isHeraldError(e) && e.code === 'HERALD_ERR_CONFIG_INVALID',
    );
  });

  test('refuses recipients that are not E.164 numbers', () => {
    const build = buildSubmitFields({ sourceAddr: 'Herald' });
    for (const to of ['15550000001', '+0123', 'alice@example.com', '+1 555 000']) {
      assert.throws(
        () => build(message({ to })),
        (e) => isHeraldError(e) && e.code === 'HERALD_ERR_CHANNEL_INVALID_DESTINATION' && !e.isRetryable,
      );
    }
  });

  test('moves long bodies to message_payload and refuses oversized ones', () => {
    const build = buildSubmitFields({ sourceAddr: 'Herald' });
    const long = build(message({ body: 'x'.repeat(300) }));
    assert.equal((long['message_payload'] as Buffer).length, 300);
    assert.equal('short_message' in long, false);
    assert.equal(build(message({ body: 'ü'.repeat(100) }))['data_coding'], 0);
    assert.equal(build(message({ body: '日本'.repeat(10) }))['data_coding'], 8);
    assert.throws(
      () => build(message({ body: 'x'.repeat(9000) })),
      (e) => isHeraldError(e) && e.code === 'HERALD_ERR_CHANNEL_CONTENT_TOO_LONG',
    );
  });

  test('carries the expiry as the validity period', () => {
    const expiresAt = new Date('2030-01-01T00:00:00Z');
    assert.equal(
      buildSubmitFields({ sourceAddr: 'Herald' })(message({ expiresAt }))['validity_period'],
      expiresAt,
    );
  });
});
