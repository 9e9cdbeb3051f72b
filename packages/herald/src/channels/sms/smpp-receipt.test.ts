import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { normaliseStat, parseReceiptText, receiptFromDeliverSm } from './smpp-receipt.ts';

const NOW = new Date('2025-01-02T03:04:05Z');
const TEXT =
  'id:1234567890 sub:001 dlvrd:001 submit date:2501020300 done date:2501020304 stat:DELIVRD err:000 text:Hello there';

describe('parseReceiptText', () => {
  test('reads every Appendix B field', () => {
    assert.deepEqual(parseReceiptText(TEXT), {
      id: '1234567890',
      sub: '001',
      dlvrd: '001',
      submitDate: '2501020300',
      doneDate: '2501020304',
      stat: 'DELIVRD',
      err: '000',
    });
  });

  test('accepts any key order and case, and the "dlvr" misspelling', () => {
    const fields = parseReceiptText('STAT:UNDELIV Err:001 dlvr:000 ID:abc-1 Text:x');
    assert.equal(fields.stat, 'UNDELIV');
    assert.equal(fields.err, '001');
    assert.equal(fields.dlvrd, '000');
    assert.equal(fields.id, 'abc-1');
  });

  test('ignores everything after text:, which is message content', () => {
    const fields = parseReceiptText('id:1 stat:DELIVRD text: stat:UNDELIV id:2');
    assert.equal(fields.id, '1');
    assert.equal(fields.stat, 'DELIVRD');
  });

  test('returns nothing for text that is not a receipt', () => {
    assert.deepEqual(parseReceiptText('hello world'), {});
    assert.deepEqual(parseReceiptText(''), {});
  });

  test('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 2000 }), (s) => {
        parseReceiptText(s);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom('id:', 'stat:', 'err:', 'text:', 'submit date:', ' ', 'x', 'DELIVRD', ':', '\n'),
          {
            maxLength: 60,
          },
        ),
        (parts) => {
          parseReceiptText(parts.join(''));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('normaliseStat', () => {
  test('maps the final stat words', () => {
    assert.equal(normaliseStat('DELIVRD'), 'delivered');
    assert.equal(normaliseStat('UNDELIV'), 'undelivered');
    assert.equal(normaliseStat('EXPIRED'), 'expired');
    assert.equal(normaliseStat('REJECTD'), 'rejected');
    assert.equal(normaliseStat('DELETED'), 'failed');
    assert.equal(normaliseStat('UNKNOWN'), 'failed');
    assert.equal(normaliseStat('delivrd'), 'delivered');
  });

  test('has no status for intermediate or unknown words', () => {
    assert.equal(normaliseStat('ENROUTE'), undefined);
    assert.equal(normaliseStat('ACCEPTD'), undefined);
    assert.equal(normaliseStat('toString'), undefined);
  });
});

describe('receiptFromDeliverSm', () => {
  test('builds a receipt from the text the smpp package decodes', () => {
    const result = receiptFromDeliverSm({ esm_class: 4, short_message: { message: TEXT } }, NOW);
    assert.deepEqual(result, {
      kind: 'receipt',
      receipt: {
        channel: 'sms',
        providerMessageId: '1234567890',
        status: 'delivered',
        providerStatus: 'DELIVRD',
        at: NOW,
      },
    });
  });

  test('prefers receipted_message_id and message_state over the text', () => {
    const result = receiptFromDeliverSm(
      {
        short_message: { message: 'id:999 stat:DELIVRD err:000' },
        receipted_message_id: 'abc',
        message_state: 5,
      },
      NOW,
    );
    assert.equal(result.kind, 'receipt');
    assert.equal(result.kind === 'receipt' && result.receipt.providerMessageId, 'abc');
    assert.equal(result.kind === 'receipt' && result.receipt.status, 'undelivered');
    assert.equal(result.kind === 'receipt' && result.receipt.providerStatus, 'UNDELIV');
  });

  test('works from TLVs alone, with the network error code', () => {
    const result = receiptFromDeliverSm(
      { receipted_message_id: 'm-1', message_state: 3, network_error_code: Buffer.from([3, 0, 27]) },
      NOW,
    );
    assert.deepEqual(result, {
      kind: 'receipt',
      receipt: {
        channel: 'sms',
        providerMessageId: 'm-1',
        status: 'expired',
        providerStatus: 'EXPIRED',
        errorCode: '3:27',
        at: NOW,
      },
    });
  });

  test('keeps a non-zero err from the text', () => {
    const result = receiptFromDeliverSm({ short_message: Buffer.from('id:7 stat:UNDELIV err:001') }, NOW);
    assert.equal(result.kind === 'receipt' && result.receipt.errorCode, '001');
  });

  test('reports intermediate states instead of a receipt', () => {
    assert.deepEqual(receiptFromDeliverSm({ short_message: { message: 'id:7 stat:ENROUTE' } }, NOW), {
      kind: 'intermediate',
      providerStatus: 'ENROUTE',
    });
  });

  test('calls out what is missing in a malformed receipt', () => {
    assert.deepEqual(receiptFromDeliverSm({ short_message: { message: 'stat:DELIVRD' } }), {
      kind: 'malformed',
      problem: 'no message id',
    });
    assert.deepEqual(receiptFromDeliverSm({ short_message: { message: 'id:5' } }), {
      kind: 'malformed',
      problem: 'no message state',
    });
    assert.deepEqual(receiptFromDeliverSm({ short_message: { message: 'id:5 stat:WHATEVER' } }), {
      kind: 'malformed',
      problem: 'unknown message state',
    });
    assert.equal(
      receiptFromDeliverSm({ receipted_message_id: 'a b\u0000c', message_state: 2 }).kind,
      'receipt',
    );
    assert.equal(
      receiptFromDeliverSm({ receipted_message_id: '\u0001', message_state: 2 }).kind,
      'malformed',
    );
  });

  test('never throws on arbitrary PDUs', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            esm_class: fc.anything(),
            short_message: fc.oneof(
              fc.anything(),
              fc.string().map((message) => ({ message })),
            ),
            message_payload: fc.anything(),
            receipted_message_id: fc.oneof(fc.string(), fc.anything()),
            message_state: fc.oneof(fc.integer({ min: -5, max: 300 }), fc.anything()),
            network_error_code: fc.oneof(
              fc.uint8Array().map((a) => Buffer.from(a)),
              fc.anything(),
            ),
          },
          { requiredKeys: [] },
        ),
        (pdu) => {
          const result = receiptFromDeliverSm(pdu);
          assert.ok(['receipt', 'intermediate', 'malformed'].includes(result.kind));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
