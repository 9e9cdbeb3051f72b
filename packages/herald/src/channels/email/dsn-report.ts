/**
 * Reads a delivery status notification (RFC 3464 `multipart/report;
 * report-type=delivery-status`, RFC 6522): the per-message fields (Original-Envelope-Id), one
 * block per recipient (Final-Recipient, Action, Status, Diagnostic-Code) and the Message-ID of
 * the original from its returned headers (`text/rfc822-headers`, RFC 3462 RET=HDRS).
 */

/** One recipient's block of a DSN. */
export interface DsnRecipient {
  readonly finalRecipient: string;
  /** RFC 3464 §2.3.3: failed, delayed, delivered, relayed or expanded. */
  readonly action: string;
  /** RFC 3463 status, e.g. 5.1.1. */
  readonly status: string;
  readonly diagnosticCode?: string;
}

/** A parsed DSN. */
export interface DsnReport {
  readonly envelopeId?: string;
  /** The original message's Message-ID, angle brackets included. */
  readonly messageId?: string;
  readonly recipients: readonly DsnRecipient[];
}

/** Parses a DSN, or returns undefined when the message is not one. */
export function parseDsn(raw: string): DsnReport | undefined {
  const { headers, body } = splitMessage(raw);
  const type = headers.get('content-type') ?? '';
  if (!/^multipart\/report/i.test(type) || !/report-type="?delivery-status"?/i.test(type)) return undefined;
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (boundary === undefined) return undefined;
  let status: string | undefined;
  let returned: string | undefined;
  for (const part of body.split(`--${boundary}`).slice(1)) {
    if (part.startsWith('--')) break;
    const p = splitMessage(part.replace(/^\r?\n/, ''));
    const partType = (p.headers.get('content-type') ?? 'text/plain').toLowerCase();
    const content = /base64/i.test(p.headers.get('content-transfer-encoding') ?? '')
      ? Buffer.from(p.body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : p.body;
    if (
      partType.startsWith('message/delivery-status') ||
      partType.startsWith('message/global-delivery-status')
    )
      status = content;
    else if (partType.startsWith('text/rfc822-headers') || partType.startsWith('message/rfc822'))
      returned = content;
  }
  if (status === undefined) return undefined;
  const blocks = status
    .replace(/\r\n/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((b) => fields(b))
    .filter((f) => f.size > 0);
  const [perMessage, ...perRecipient] = blocks;
  const recipients: DsnRecipient[] = [];
  for (const f of perRecipient) {
    const final = f.get('final-recipient');
    const action = f.get('action');
    const st = f.get('status');
    if (final === undefined || action === undefined || st === undefined) continue;
    const diagnostic = f.get('diagnostic-code');
    recipients.push({
      finalRecipient: final.replace(/^[^;]*;\s*/, '').trim(),
      action: action.toLowerCase().trim(),
      status: st.trim().split(/\s/, 1)[0]!,
      ...(diagnostic === undefined ? {} : { diagnosticCode: diagnostic }),
    });
  }
  const envelopeId = perMessage?.get('original-envelope-id')?.trim();
  const messageId =
    returned === undefined ? undefined : splitMessage(returned).headers.get('message-id')?.trim();
  return {
    ...(envelopeId === undefined || envelopeId === '' ? {} : { envelopeId }),
    ...(messageId === undefined || messageId === '' ? {} : { messageId }),
    recipients,
  };
}

/** Splits a message (or a MIME part) into unfolded, lower-cased headers and the body. */
function splitMessage(raw: string): { headers: Map<string, string>; body: string } {
  const text = raw.replace(/\r\n/g, '\n');
  const end = text.indexOf('\n\n');
  const head = end === -1 ? text : text.slice(0, end);
  return { headers: fields(head), body: end === -1 ? '' : text.slice(end + 2) };
}

/** `Name: value` lines with RFC 5322 §2.2.3 folding undone; the first occurrence wins. */
function fields(block: string): Map<string, string> {
  const out = new Map<string, string>();
  const unfolded = block.replace(/\r\n/g, '\n').replace(/\n[ \t]+/g, ' ');
  for (const line of unfolded.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!out.has(name)) out.set(name, line.slice(colon + 1).trim());
  }
  return out;
}
