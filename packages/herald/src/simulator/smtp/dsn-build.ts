import { randomUUID } from 'node:crypto';

/** What a simulated DSN reports about one recipient of one message. */
export interface DsnFacts {
  readonly reportingMta: string;
  /** The envelope sender: where the report goes. */
  readonly to: string;
  /** ENVID from MAIL FROM (RFC 3461 §4.4), when the sender gave one. */
  readonly envelopeId?: string | undefined;
  readonly recipient: string;
  readonly action: 'delivered' | 'failed' | 'delayed';
  readonly status: string;
  readonly diagnostic?: string;
  /** The original message's header section (RET=HDRS). */
  readonly originalHeaders: string;
}

/**
 * Builds a DSN as an MTA sends one (RFC 3464, in an RFC 6522 multipart/report): a human
 * part, the machine-readable `message/delivery-status` part, and the original's headers.
 */
export function buildDsn(f: DsnFacts): string {
  const boundary = `dsn-${randomUUID()}`;
  const now = new Date().toUTCString();
  const subject =
    f.action === 'delivered'
      ? 'Delivery Status Notification (Success)'
      : f.action === 'failed'
        ? 'Delivery Status Notification (Failure)'
        : 'Delivery Status Notification (Delay)';
  return [
    `From: Mail Delivery System <MAILER-DAEMON@${f.reportingMta}>`,
    `To: <${f.to}>`,
    `Subject: ${subject}`,
    `Date: ${now}`,
    `Message-ID: <${boundary}@${f.reportingMta}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Your message to ${f.recipient} was ${f.action === 'failed' ? 'not delivered' : f.action}.`,
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${f.reportingMta}`,
    ...(f.envelopeId === undefined ? [] : [`Original-Envelope-Id: ${f.envelopeId}`]),
    `Arrival-Date: ${now}`,
    '',
    `Final-Recipient: rfc822; ${f.recipient}`,
    `Action: ${f.action}`,
    `Status: ${f.status}`,
    ...(f.diagnostic === undefined ? [] : [`Diagnostic-Code: smtp; ${f.diagnostic}`]),
    `Last-Attempt-Date: ${now}`,
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    f.originalHeaders.replace(/\r\n/g, '\n').trimEnd(),
    '',
    `--${boundary}--`,
    '',
  ].join('\r\n');
}
