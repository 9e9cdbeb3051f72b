import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  COMMAND_STATUS,
  commandStatusByName,
  describeCommandStatus,
  isBindRefusal,
  submitStatusError,
} from './smpp-status.ts';

describe('submitStatusError', () => {
  test('ESME_ROK is not an error', () => {
    assert.equal(submitStatusError(COMMAND_STATUS.ESME_ROK), undefined);
  });

  const cases: [number, string, string, boolean][] = [
    [0x58, 'HERALD_ERR_CHANNEL_THROTTLED', 'throttled', true],
    [0x14, 'HERALD_ERR_CHANNEL_THROTTLED', 'throttled', true],
    [0x08, 'HERALD_ERR_CHANNEL_UNAVAILABLE', 'unavailable', true],
    [0x04, 'HERALD_ERR_CHANNEL_UNAVAILABLE', 'unavailable', true],
    [0x0b, 'HERALD_ERR_CHANNEL_INVALID_DESTINATION', 'invalid', false],
    [0x45, 'HERALD_ERR_CHANNEL_REJECTED', 'rejected', false],
    [0x01, 'HERALD_ERR_CHANNEL_REJECTED', 'rejected', false],
    [0x400, 'HERALD_ERR_CHANNEL_REJECTED', 'rejected', false],
  ];
  for (const [status, code, reason, retryable] of cases) {
    test(`maps ${describeCommandStatus(status)} to ${code}`, () => {
      const err = submitStatusError(status);
      assert.ok(err);
      assert.equal(err.code, code);
      assert.equal(err.reason, reason);
      assert.equal(err.isRetryable, retryable);
      assert.equal(err.details?.['commandStatus'], status);
    });
  }

  test('names the status in the rejection message', () => {
    assert.match(submitStatusError(0x45)!.message, /ESME_RSUBMITFAIL \(0x00000045\)/);
  });

  test('every non-zero status is an error, retryable only for throttling and SMSC faults', () => {
    const retryable = new Set([0x58, 0x14, 0x08, 0x04]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xffffffff }), (status) => {
        const err = submitStatusError(status);
        assert.ok(err);
        assert.equal(err.isRetryable, retryable.has(status));
      }),
    );
  });
});

describe('status names', () => {
  test('describes known and unknown statuses', () => {
    assert.equal(describeCommandStatus(0x58), 'ESME_RTHROTTLED (0x00000058)');
    assert.equal(describeCommandStatus(0x1234), '0x00001234');
  });

  test('looks names up without reaching into the prototype', () => {
    assert.equal(commandStatusByName('ESME_RINVDSTADR'), 0x0b);
    assert.equal(commandStatusByName('toString'), undefined);
  });

  test('recognises bind refusals', () => {
    assert.ok(isBindRefusal(COMMAND_STATUS.ESME_RINVPASWD));
    assert.ok(isBindRefusal(COMMAND_STATUS.ESME_RINVSYSID));
    assert.ok(isBindRefusal(COMMAND_STATUS.ESME_RBINDFAIL));
    assert.ok(!isBindRefusal(COMMAND_STATUS.ESME_RSYSERR));
  });
});
