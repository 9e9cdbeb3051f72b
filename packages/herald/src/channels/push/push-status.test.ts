import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apnsError, fcmError } from './push-status.ts';

describe('APNs error mapping', () => {
  const cases: [number, string | undefined, string, boolean][] = [
    [400, 'BadDeviceToken', 'HERALD_ERR_CHANNEL_INVALID_DESTINATION', false],
    [410, 'Unregistered', 'HERALD_ERR_CHANNEL_RECIPIENT_UNSUPPORTED', false],
    [400, 'BadTopic', 'HERALD_ERR_CHANNEL_REJECTED', false],
    [403, 'InvalidProviderToken', 'HERALD_ERR_CHANNEL_AUTH_FAILED', false],
    [413, 'PayloadTooLarge', 'HERALD_ERR_CHANNEL_CONTENT_TOO_LONG', false],
    [429, 'TooManyRequests', 'HERALD_ERR_CHANNEL_THROTTLED', true],
    [500, 'InternalServerError', 'HERALD_ERR_CHANNEL_UNAVAILABLE', true],
    [503, 'ServiceUnavailable', 'HERALD_ERR_CHANNEL_UNAVAILABLE', true],
    [400, undefined, 'HERALD_ERR_CHANNEL_BAD_RESPONSE', true],
    [302, 'Whatever', 'HERALD_ERR_CHANNEL_BAD_RESPONSE', true],
  ];
  for (const [status, reason, code, retryable] of cases) {
    it(`${status} ${reason ?? '(no reason)'} → ${code}`, () => {
      const e = apnsError(status, reason);
      assert.deepEqual([e.code, e.isRetryable], [code, retryable]);
    });
  }
  it('keeps the Unregistered timestamp for token clean-up', () => {
    assert.equal(apnsError(410, 'Unregistered', 1700000000000).details?.['unregisteredAt'], 1700000000000);
  });
});

describe('FCM error mapping', () => {
  const fcm = (status: number, errorCode?: string) => ({
    error: {
      code: status,
      status: 'X',
      details: errorCode
        ? [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }]
        : [],
    },
  });
  const cases: [number, string | undefined, string, boolean][] = [
    [404, 'UNREGISTERED', 'HERALD_ERR_CHANNEL_RECIPIENT_UNSUPPORTED', false],
    [400, 'INVALID_ARGUMENT', 'HERALD_ERR_CHANNEL_REJECTED', false],
    [403, 'SENDER_ID_MISMATCH', 'HERALD_ERR_CHANNEL_INVALID_DESTINATION', false],
    [401, 'THIRD_PARTY_AUTH_ERROR', 'HERALD_ERR_CHANNEL_AUTH_FAILED', false],
    [429, 'QUOTA_EXCEEDED', 'HERALD_ERR_CHANNEL_THROTTLED', true],
    [503, 'UNAVAILABLE', 'HERALD_ERR_CHANNEL_UNAVAILABLE', true],
    [500, undefined, 'HERALD_ERR_CHANNEL_UNAVAILABLE', true],
    [302, undefined, 'HERALD_ERR_CHANNEL_BAD_RESPONSE', true],
  ];
  for (const [status, errorCode, code, retryable] of cases) {
    it(`${status} ${errorCode ?? '(status only)'} → ${code}`, () => {
      const e = fcmError(status, fcm(status, errorCode));
      assert.deepEqual([e.code, e.isRetryable], [code, retryable]);
    });
  }
  it('reads a 4xx without a Google error body as unreadable, not as a refusal', () => {
    assert.equal(fcmError(400, undefined).code, 'HERALD_ERR_CHANNEL_BAD_RESPONSE');
    assert.equal(fcmError(503, undefined).code, 'HERALD_ERR_CHANNEL_UNAVAILABLE');
  });
});
