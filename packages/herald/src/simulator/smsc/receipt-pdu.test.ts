import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { receiptFromDeliverSm } from '../../channels/sms/smpp-receipt.ts';
import { receiptDate, receiptFields, receiptText, type ReceiptRecord } from './receipt-pdu.ts';

const STATS = ['DELIVRD', 'UNDELIV', 'EXPIRED', 'REJECTD', 'DELETED', 'UNKNOWN'] as const;

function record(messageId: string, stat: (typeof STATS)[number]): ReceiptRecord {
  return {
    messageId,
    systemId: 'herald',
    sourceAddr: 'Herald',
    sourceTon: 5,
    sourceNpi: 0,
    destinationAddr: '15550000001',
    destinationTon: 1,
    destinationNpi: 1,
    submittedAt: new Date('2025-03-04T05:06:07Z'),
    plan: { stat, err: stat === 'DELIVRD' ? '000' : '001', delayMs: 0 },
    attempts: 0,
  };
}

describe('receipt PDUs', () => {
  test('formats the SMPP 3.4 Appendix B text', () => {
    assert.equal(receiptDate(new Date('2025-03-04T05:06:07Z')), '2503040506');
    assert.equal(
      receiptText(record('42', 'DELIVRD'), new Date('2025-03-04T05:07:00Z')),
      'id:42 sub:001 dlvrd:001 submit date:2503040506 done date:2503040507 stat:DELIVRD err:000 text:',
    );
  });

  test('swaps the addresses and flags a delivery receipt', () => {
    const fields = receiptFields(record('42', 'UNDELIV'), 'both', new Date());
    assert.equal(fields['source_addr'], '15550000001');
    assert.equal(fields['destination_addr'], 'Herald');
    assert.equal(fields['esm_class'], 0x04);
    assert.equal(fields['receipted_message_id'], '42');
    assert.equal(fields['message_state'], 5);
  });

  test("every format parses back to the same id and state with the adapter's parser", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9A-Za-z-]{1,40}$/),
        fc.constantFrom(...STATS),
        fc.constantFrom('both' as const, 'text' as const, 'tlv' as const),
        (id, stat, format) => {
          const fields = receiptFields(record(id, stat), format, new Date());
          const parsed = receiptFromDeliverSm({
            ...fields,
            short_message: { message: (fields['short_message'] as Buffer).toString('latin1') },
          });
          assert.equal(parsed.kind, 'receipt');
          assert.equal(parsed.kind === 'receipt' && parsed.receipt.providerMessageId, id);
          assert.equal(parsed.kind === 'receipt' && parsed.receipt.providerStatus, stat);
        },
      ),
    );
  });
});
