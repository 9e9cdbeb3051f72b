import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rbmError } from './rbm-status.ts';

const google = (code: number, status: string) => ({ error: { code, status, message: 'x' } });

describe('RBM status mapping', () => {
  const cases: [string, number, string, boolean][] = [
    ['INVALID_ARGUMENT is a permanent rejection', 400, 'HERALD_ERR_CHANNEL_REJECTED', false],
    ['UNAUTHENTICATED is a credentials problem', 401, 'HERALD_ERR_CHANNEL_AUTH_FAILED', false],
    ['PERMISSION_DENIED is a credentials problem', 403, 'HERALD_ERR_CHANNEL_AUTH_FAILED', false],
    ['NOT_FOUND on send means no RCS', 404, 'HERALD_ERR_CHANNEL_RECIPIENT_UNSUPPORTED', false],
    ['RESOURCE_EXHAUSTED is throttling', 429, 'HERALD_ERR_CHANNEL_THROTTLED', true],
    ['INTERNAL is retryable', 500, 'HERALD_ERR_CHANNEL_UNAVAILABLE', true],
    ['UNAVAILABLE is retryable', 503, 'HERALD_ERR_CHANNEL_UNAVAILABLE', true],
    ['a redirect is a bad response', 302, 'HERALD_ERR_CHANNEL_BAD_RESPONSE', true],
  ];
  for (const [name, status, code, retryable] of cases) {
    it(name, () => {
      const e = rbmError('send', status, google(status, 'X'));
      assert.equal(e.code, code);
      assert.equal(e.isRetryable, retryable);
      assert.equal(e.details?.['httpStatus'], status);
    });
  }

  it('reads 404 on a revoke as "already delivered"', () => {
    assert.equal(
      rbmError('revoke', 404, google(404, 'NOT_FOUND')).code,
      'HERALD_ERR_CHANNEL_REVOKE_TOO_LATE',
    );
  });

  it('keeps the google.rpc status word as detail without trusting the body shape', () => {
    assert.equal(rbmError('send', 503, google(503, 'UNAVAILABLE')).details?.['googleStatus'], 'UNAVAILABLE');
    assert.equal(rbmError('send', 503, 'not json').details?.['googleStatus'], undefined);
  });
});
