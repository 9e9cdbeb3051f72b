import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDsn } from '../../simulator/smtp/dsn-build.ts';
import { parseDsn } from './dsn-report.ts';

describe('DSN parsing', () => {
  it('reads a failure report: envelope id, original Message-ID, recipient, action and status', () => {
    const raw = buildDsn({
      reportingMta: 'mx.test',
      to: 'bounces@herald.test',
      envelopeId: 'msg_123',
      recipient: 'bounce@sandbox.herald.test',
      action: 'failed',
      status: '5.1.1',
      diagnostic: '550 5.1.1 No such user',
      originalHeaders: 'From: a@herald.test\r\nMessage-ID: <msg_123@herald.test>\r\nSubject: x',
    });
    assert.deepEqual(parseDsn(raw), {
      envelopeId: 'msg_123',
      messageId: '<msg_123@herald.test>',
      recipients: [
        {
          finalRecipient: 'bounce@sandbox.herald.test',
          action: 'failed',
          status: '5.1.1',
          diagnosticCode: 'smtp; 550 5.1.1 No such user',
        },
      ],
    });
  });

  it('unfolds continued header lines and ignores messages that are not DSNs', () => {
    const raw = [
      'Content-Type: multipart/report;',
      '  report-type=delivery-status; boundary=b1',
      '',
      '--b1',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx',
      '',
      'Final-Recipient: rfc822;',
      '  a@b.test',
      'Action: delivered',
      'Status: 2.0.0',
      '--b1--',
    ].join('\r\n');
    assert.deepEqual(parseDsn(raw)?.recipients, [
      { finalRecipient: 'a@b.test', action: 'delivered', status: '2.0.0' },
    ]);
    assert.equal(parseDsn('Content-Type: text/plain\r\n\r\nhello'), undefined);
  });
});
