import { HeraldError } from '../../errors/index.ts';

/** APNs payload limit for alert notifications (Apple, "Sending notification requests to APNs"). */
export const APNS_PAYLOAD_LIMIT = 4096;

/**
 * Maps an APNs error answer (Apple, "Handling notification responses from APNs": the HTTP
 * status and the `reason` in the JSON body) to the error `send` throws. A token the device no
 * longer holds (410 Unregistered) is `unsupported`, a malformed one (BadDeviceToken) invalid;
 * both are permanent. 429 is throttling; 500 and 503 are retryable.
 */
export function apnsError(status: number, reason: string | undefined, timestamp?: number): HeraldError {
  const options = {
    details: {
      httpStatus: status,
      ...(reason === undefined ? {} : { apnsReason: reason }),
      ...(timestamp === undefined ? {} : { unregisteredAt: timestamp }),
    },
  };
  const detail = `${status} ${reason ?? 'no reason'}`;
  if (status === 410 || reason === 'Unregistered' || reason === 'ExpiredToken') {
    return new HeraldError(
      'HERALD_ERR_CHANNEL_RECIPIENT_UNSUPPORTED',
      { channel: 'push', detail: 'the device token is no longer registered' },
      options,
    );
  }
  if (reason === 'BadDeviceToken' || reason === 'DeviceTokenNotForTopic') {
    return new HeraldError('HERALD_ERR_CHANNEL_INVALID_DESTINATION', { channel: 'push' }, options);
  }
  if (reason === undefined)
    return new HeraldError('HERALD_ERR_CHANNEL_BAD_RESPONSE', { channel: 'push' }, options);
  switch (status) {
    case 400:
    case 404:
    case 405:
      return new HeraldError('HERALD_ERR_CHANNEL_REJECTED', { channel: 'push', detail }, options);
    case 403:
      return new HeraldError('HERALD_ERR_CHANNEL_AUTH_FAILED', { channel: 'push', detail }, options);
    case 413:
      return new HeraldError(
        'HERALD_ERR_CHANNEL_CONTENT_TOO_LONG',
        { channel: 'push', limit: APNS_PAYLOAD_LIMIT },
        options,
      );
    case 429:
      return new HeraldError('HERALD_ERR_CHANNEL_THROTTLED', { channel: 'push' }, options);
    case 500:
    case 503:
      return new HeraldError('HERALD_ERR_CHANNEL_UNAVAILABLE', { channel: 'push', detail }, options);
    default:
      return new HeraldError('HERALD_ERR_CHANNEL_BAD_RESPONSE', { channel: 'push' }, options);
  }
}

/**
 * Maps an FCM HTTP v1 error (google.rpc.Status plus an `FcmError` detail with `errorCode`:
 * UNREGISTERED, INVALID_ARGUMENT, SENDER_ID_MISMATCH, QUOTA_EXCEEDED, UNAVAILABLE, INTERNAL,
 * THIRD_PARTY_AUTH_ERROR) to the error `send` throws; the errorCode decides where present,
 * else the HTTP status.
 */
export function fcmError(status: number, body: unknown): HeraldError {
  const errorCode = fcmErrorCode(body);
  const options = {
    details: { httpStatus: status, ...(errorCode === undefined ? {} : { fcmErrorCode: errorCode }) },
  };
  const detail = `${status} ${errorCode ?? 'no errorCode'}`;
  // A 4xx without a google.rpc error body did not come from FCM's API (a proxy's HTML page):
  // unreadable, not a verdict on the message.
  const isGoogleError = typeof (body as { error?: unknown } | undefined)?.error === 'object';
  if (!isGoogleError && status >= 400 && status < 500 && status !== 429) {
    return new HeraldError('HERALD_ERR_CHANNEL_BAD_RESPONSE', { channel: 'push' }, options);
  }
  switch (errorCode ?? byStatus(status)) {
    case 'UNREGISTERED':
      return new HeraldError(
        'HERALD_ERR_CHANNEL_RECIPIENT_UNSUPPORTED',
        { channel: 'push', detail: 'the registration token is no longer valid' },
        options,
      );
    case 'SENDER_ID_MISMATCH':
      return new HeraldError('HERALD_ERR_CHANNEL_INVALID_DESTINATION', { channel: 'push' }, options);
    case 'INVALID_ARGUMENT':
      return new HeraldError('HERALD_ERR_CHANNEL_REJECTED', { channel: 'push', detail }, options);
    case 'THIRD_PARTY_AUTH_ERROR':
    case 'UNAUTHENTICATED':
      return new HeraldError('HERALD_ERR_CHANNEL_AUTH_FAILED', { channel: 'push', detail }, options);
    case 'QUOTA_EXCEEDED':
      return new HeraldError('HERALD_ERR_CHANNEL_THROTTLED', { channel: 'push' }, options);
    case 'UNAVAILABLE':
    case 'INTERNAL':
      return new HeraldError('HERALD_ERR_CHANNEL_UNAVAILABLE', { channel: 'push', detail }, options);
    default:
      return new HeraldError('HERALD_ERR_CHANNEL_BAD_RESPONSE', { channel: 'push' }, options);
  }
}

function byStatus(status: number): string | undefined {
  return (
    {
      400: 'INVALID_ARGUMENT',
      401: 'UNAUTHENTICATED',
      403: 'SENDER_ID_MISMATCH',
      404: 'UNREGISTERED',
      429: 'QUOTA_EXCEEDED',
      500: 'INTERNAL',
      503: 'UNAVAILABLE',
    } as Record<number, string>
  )[status];
}

function fcmErrorCode(body: unknown): string | undefined {
  const details = (body as { error?: { details?: unknown } } | undefined)?.error?.details;
  if (!Array.isArray(details)) return undefined;
  for (const d of details as unknown[]) {
    const code = (d as { errorCode?: unknown } | null)?.errorCode;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
