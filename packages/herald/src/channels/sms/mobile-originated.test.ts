import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inboundFromDeliverSm } from './mobile-originated.ts';

describe('mobile-originated deliver_sm', () => {
  const at = new Date('2026-11-25T10:00:00Z');
  const pdu = { source_addr: '15550000123', destination_addr: 'Herald', short_message: { message: 'STOP' } };

  it('becomes a text reply from the E.164 sender', () => {
    const r = inboundFromDeliverSm(pdu, at);
    assert.equal(r.kind, 'inbound');
    if (r.kind !== 'inbound') return;
    assert.deepEqual(
      { channel: r.event.channel, kind: r.event.kind, from: r.event.from, text: r.event.text },
      { channel: 'sms', kind: 'text', from: '+15550000123', text: 'STOP' },
    );
  });

  it('gives a redelivery the same id, and the same words later a new one', () => {
    const id = (d: Date) =>
      (inboundFromDeliverSm(pdu, d) as { event: { providerEventId: string } }).event.providerEventId;
    assert.equal(id(at), id(new Date(at.getTime() + 60_000)));
    assert.notEqual(id(at), id(new Date(at.getTime() + 3_600_000)));
    const other = inboundFromDeliverSm({ ...pdu, short_message: { message: 'START' } }, at);
    assert.notEqual(id(at), (other as { event: { providerEventId: string } }).event.providerEventId);
  });

  it('refuses what is not a reply from a phone', () => {
    for (const bad of [
      { ...pdu, source_addr: 'ALPHA' },
      { ...pdu, source_addr: undefined },
      { ...pdu, short_message: { message: '' } },
      { ...pdu, short_message: { message: 'x'.repeat(5000) } },
    ]) {
      assert.equal(inboundFromDeliverSm(bad, at).kind, 'malformed');
    }
  });
});
