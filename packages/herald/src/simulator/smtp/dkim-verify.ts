import { createHash, createPublicKey, verify } from 'node:crypto';

/** The outcome of checking one message's DKIM-Signature. */
export interface DkimResult {
  readonly result: 'pass' | 'fail' | 'none';
  /** `d=` and `s=` of the signature, when there is one. */
  readonly domain?: string;
  readonly selector?: string;
  readonly detail?: string;
}

/**
 * Verifies the first DKIM-Signature of a message (RFC 6376 §6.1) against keys given by DNS name
 * (`selector._domainkey.domain` → PEM), standing in for the DNS lookup: body hash with the `c=`
 * body canonicalization (§3.4.3 simple, §3.4.4 relaxed), then the signature over the `h=` header
 * fields and the DKIM-Signature itself with `b=` emptied (§3.7), for rsa-sha256 and
 * ed25519-sha256 (RFC 8463, which signs the SHA-256 of that data).
 */
export function verifyDkim(raw: string, keys: ReadonlyMap<string, string>): DkimResult {
  const split = raw.indexOf('\r\n\r\n');
  const head = split === -1 ? raw : raw.slice(0, split + 2);
  const body = split === -1 ? '' : raw.slice(split + 4);
  const fields = headerFields(head);
  const sigField = fields.find((f) => f.name.toLowerCase() === 'dkim-signature');
  if (sigField === undefined) return { result: 'none' };
  const tags = parseTags(sigField.value);
  const domain = tags.get('d');
  const selector = tags.get('s');
  const base = {
    ...(domain === undefined ? {} : { domain }),
    ...(selector === undefined ? {} : { selector }),
  };
  const fail = (detail: string): DkimResult => ({ result: 'fail', ...base, detail });
  const algorithm = tags.get('a');
  const signed = tags.get('h');
  const bh = tags.get('bh');
  const b = tags.get('b');
  if (
    tags.get('v') !== '1' ||
    domain === undefined ||
    selector === undefined ||
    signed === undefined ||
    bh === undefined ||
    b === undefined
  ) {
    return fail('missing required tags');
  }
  const [headerCanon = 'simple', bodyCanon = 'simple'] = (tags.get('c') ?? 'simple/simple').split('/');
  const bodyHash = createHash('sha256').update(canonBody(body, bodyCanon)).digest('base64');
  if (bodyHash !== bh.replace(/\s+/g, '')) return fail('body hash does not match');
  const pem = keys.get(`${selector}._domainkey.${domain}`.toLowerCase());
  if (pem === undefined) return fail('no key published for the selector');
  // §5.4.2: for each name in h=, take the last unused instance of that header field.
  const used = new Set<number>();
  let data = '';
  for (const name of signed.split(':').map((n) => n.trim().toLowerCase())) {
    for (let i = fields.length - 1; i >= 0; i--) {
      if (used.has(i) || fields[i]!.name.toLowerCase() !== name) continue;
      used.add(i);
      data += canonHeader(fields[i]!, headerCanon);
      break;
    }
  }
  const emptied = {
    name: sigField.name,
    value: sigField.value.replace(/(^|;)(\s*b\s*=)[^;]*/, '$1$2'),
    raw: '',
  };
  emptied.raw = `${emptied.name}:${emptied.value}`;
  data += canonHeader(emptied, headerCanon).replace(/\r\n$/, '');
  const key = createPublicKey(pem);
  const signature = Buffer.from(b.replace(/\s+/g, ''), 'base64');
  const ok =
    algorithm === 'rsa-sha256'
      ? verify('sha256', Buffer.from(data, 'utf8'), key, signature)
      : algorithm === 'ed25519-sha256'
        ? verify(null, createHash('sha256').update(data, 'utf8').digest(), key, signature)
        : undefined;
  if (ok === undefined) return fail(`unsupported algorithm ${algorithm ?? '(none)'}`);
  return ok ? { result: 'pass', ...base } : fail('signature does not verify');
}

interface Field {
  readonly name: string;
  readonly value: string;
  /** The field as it appeared, folding kept, with its CRLF. */
  raw: string;
}

function headerFields(head: string): Field[] {
  const out: Field[] = [];
  for (const line of head.split(/(?<=\r\n)/)) {
    if (line === '' || line === '\r\n') continue;
    if ((line.startsWith(' ') || line.startsWith('\t')) && out.length > 0) {
      const last = out[out.length - 1]!;
      out[out.length - 1] = { name: last.name, value: last.value + line, raw: last.raw + line };
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.push({ name: line.slice(0, colon), value: line.slice(colon + 1), raw: line });
  }
  return out.map((f) => ({ ...f, value: f.value.replace(/\r\n$/, '') }));
}

function parseTags(value: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const part of value.replace(/\r\n[ \t]/g, ' ').split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    tags.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return tags;
}

// RFC 6376 §3.4.2 relaxed: lower-case name, unfold, compress whitespace, trim; §3.4.1 simple: as is.
function canonHeader(f: Field, canon: string): string {
  if (canon !== 'relaxed') return f.raw.endsWith('\r\n') ? f.raw : `${f.raw}\r\n`;
  const value = f.value
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  return `${f.name.trim().toLowerCase()}:${value}\r\n`;
}

// RFC 6376 §3.4.3 simple: drop trailing empty lines, end with one CRLF; §3.4.4 relaxed: also
// strip trailing whitespace and compress runs of it on every line; an empty body stays empty.
function canonBody(body: string, canon: string): string {
  let lines = body.split('\r\n');
  if (canon === 'relaxed') lines = lines.map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) return canon === 'relaxed' ? '' : '\r\n';
  return `${lines.join('\r\n')}\r\n`;
}
