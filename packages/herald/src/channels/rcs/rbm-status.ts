import { HeraldError } from '../../errors/index.ts';

/** Which RBM call answered, since a 404 means different things to each. */
export type RbmCall = 'send' | 'revoke' | 'capabilities';

/** `google.rpc.Status` fields of a Google API error body (AIP-193), when present. */
export function googleStatus(body: unknown): { status?: string; message?: string } {
  if (typeof body !== 'object' || body === null) return {};
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return {};
  const { status, message } = error as { status?: unknown; message?: unknown };
  return {
    ...(typeof status === 'string' ? { status } : {}),
    ...(typeof message === 'string' ? { message: message.slice(0, 200) } : {}),
  };
}

/**
 * Maps a non-2xx RBM answer to the error the adapter throws. The HTTP status decides (Google
 * APIs map google.rpc.Code to HTTP statuses one to one); the `status` word only adds detail.
 * The reason tells the dispatcher whether to retry; a 404 on a send means the number is not on
 * RCS (or left it), which is the policy's `unsupported` trigger, not a failure.
 */
export function rbmError(call: RbmCall, httpStatus: number, body: unknown): HeraldError {
  const g = googleStatus(body);
  const detail = `${httpStatus}${g.status === undefined ? '' : ` ${g.status}`}`;
  const options = { details: { httpStatus, ...(g.status === undefined ? {} : { googleStatus: g.status }) } };
  switch (httpStatus) {
    case 401:
    case 403:
      return new HeraldError('HERALD_ERR_CHANNEL_AUTH_FAILED', { channel: 'rcs', detail }, options);
    case 404:
      return call === 'revoke'
        ? new HeraldError('HERALD_ERR_CHANNEL_REVOKE_TOO_LATE', { channel: 'rcs' }, options)
        : new HeraldError(
            'HERALD_ERR_CHANNEL_RECIPIENT_UNSUPPORTED',
            { channel: 'rcs', detail: 'the number is not reachable on RCS' },
            options,
          );
    case 429:
      return new HeraldError('HERALD_ERR_CHANNEL_THROTTLED', { channel: 'rcs' }, options);
    case 500:
    case 502:
    case 503:
    case 504:
      return new HeraldError('HERALD_ERR_CHANNEL_UNAVAILABLE', { channel: 'rcs', detail }, options);
    default:
      if (httpStatus >= 400 && httpStatus < 500) {
        return new HeraldError('HERALD_ERR_CHANNEL_REJECTED', { channel: 'rcs', detail }, options);
      }
      // 1xx, 3xx (providers never redirect; following one could leak the token) and other 5xx.
      return new HeraldError('HERALD_ERR_CHANNEL_BAD_RESPONSE', { channel: 'rcs' }, options);
  }
}
