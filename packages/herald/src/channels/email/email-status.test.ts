import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { smtpError, type SmtpFailure } from './email-status.ts';

describe('SMTP failure mapping', () => {
  const cases: [string, SmtpFailure, string, boolean][] = [
    [
      '550 5.1.1 unknown user is permanent',
      { responseCode: 550, response: '550 5.1.1 No such user' },
      'HERALD_ERR_CHANNEL_REJECTED',
      false,
    ],
    [
      '554 at DATA is permanent',
      { responseCode: 554, response: '554 5.7.1 spam', command: 'DATA' },
      'HERALD_ERR_CHANNEL_REJECTED',
      false,
    ],
    [
      '452 mailbox full is retryable',
      { responseCode: 452, response: '452 4.2.2 Mailbox full' },
      'HERALD_ERR_CHANNEL_UNAVAILABLE',
      true,
    ],
    [
      '421 4.7.0 is rate limiting',
      { responseCode: 421, response: '421 4.7.0 slow down' },
      'HERALD_ERR_CHANNEL_THROTTLED',
      true,
    ],
    [
      '535 is a credentials problem',
      { responseCode: 535, response: '535 5.7.8 bad credentials' },
      'HERALD_ERR_CHANNEL_AUTH_FAILED',
      false,
    ],
    [
      '530 must issue STARTTLS',
      { responseCode: 530, response: '530 5.7.0 Must issue a STARTTLS command first' },
      'HERALD_ERR_CHANNEL_TLS_REQUIRED',
      true,
    ],
    [
      'a STARTTLS failure never falls back to clear text',
      { code: 'ETLS' },
      'HERALD_ERR_CHANNEL_TLS_REQUIRED',
      true,
    ],
    [
      'an untrusted certificate is a TLS failure',
      { code: 'ESOCKET', originalCode: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
      'HERALD_ERR_CHANNEL_TLS_REQUIRED',
      true,
    ],
    [
      'STARTTLS refused by the server',
      { code: 'ETLS', responseCode: 502, response: '502 5.5.1 not implemented' },
      'HERALD_ERR_CHANNEL_TLS_REQUIRED',
      true,
    ],
    ['a timeout is retryable', { code: 'ETIMEDOUT' }, 'HERALD_ERR_CHANNEL_TIMEOUT', true],
    ['a refused connection is retryable', { code: 'ECONNECTION' }, 'HERALD_ERR_CHANNEL_UNAVAILABLE', true],
    [
      'a reply code outside 2yz-5yz is unreadable',
      { responseCode: 354, response: '354 go ahead' },
      'HERALD_ERR_CHANNEL_BAD_RESPONSE',
      true,
    ],
  ];
  for (const [name, failure, code, retryable] of cases) {
    it(name, () => {
      const e = smtpError(failure);
      assert.deepEqual([e.code, e.isRetryable], [code, retryable]);
    });
  }
});
