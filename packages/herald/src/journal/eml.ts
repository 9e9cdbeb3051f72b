/** What an `.eml` file is built from. */
export interface EmlParts {
  readonly recordId: string;
  readonly from?: string;
  readonly to: readonly string[];
  readonly subject?: string;
  readonly text: string;
  readonly date: number;
  readonly messageId?: string | null;
}

// RFC 2047 §4.1 "B" encoding for a header value that is not plain ASCII.
function headerValue(value: string): string {
  const clean = value.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(clean)
    ? clean
    : `=?UTF-8?B?${Buffer.from(clean, 'utf8').toString('base64')}?=`;
}

/**
 * Renders an email-shaped journal record as an RFC 5322 message (CRLF line ends, UTF-8 body in
 * base64, RFC 2045), so e-discovery tools can load the export directly.
 */
export function renderEml(p: EmlParts): string {
  const body = Buffer.from(p.text, 'utf8').toString('base64').replace(/.{76}/g, '$&\r\n');
  const headers = [
    `From: ${headerValue(p.from ?? 'unknown@herald.invalid')}`,
    `To: ${headerValue(p.to.join(', '))}`,
    `Subject: ${headerValue(p.subject ?? '')}`,
    `Date: ${new Date(p.date).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${p.recordId}@journal.herald.invalid>`,
    ...(p.messageId ? [`X-Herald-Message-Id: ${p.messageId}`] : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
  ];
  return `${headers.join('\r\n')}\r\n\r\n${body}\r\n`;
}
