import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * A self-signed X.509 v3 certificate (RFC 5280) for the simulators' TLS endpoints (SMTP
 * STARTTLS, the APNs-shaped HTTP/2 server), made in memory at start with node:crypto, so the
 * sandbox needs no openssl and no certificate files. ECDSA P-256 with SHA-256; the subject
 * alternative names cover the host names and IP addresses given. Clients trust it by passing
 * `cert` as their `ca`.
 */
export interface SelfSignedCert {
  /** PEM certificate. */
  readonly cert: string;
  /** PEM PKCS #8 private key. */
  readonly key: string;
}

/** Makes a certificate for `names` (DNS names and IP addresses), valid from an hour ago for `days`. */
export function selfSignedCert(
  names: readonly string[] = ['localhost', '127.0.0.1'],
  days = 30,
): SelfSignedCert {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const cn = names[0] ?? 'localhost';
  const name = seq(set(seq(OID_COMMON_NAME, tlv(0x0c, Buffer.from(cn, 'utf8')))));
  const now = Date.now();
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))), // version v3 (RFC 5280 §4.1.2.1)
    integer(positive(randomBytes(16))),
    seq(OID_ECDSA_SHA256),
    name,
    seq(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + days * 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, seq(seq(OID_SUBJECT_ALT_NAME, tlv(0x04, seq(...names.map(altName)))))),
  );
  const signature = sign('sha256', tbs, privateKey as KeyObject);
  const der = seq(tbs, seq(OID_ECDSA_SHA256), tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  return {
    cert: pem('CERTIFICATE', der),
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

// DER encodings of the object identifiers used (X.690 §8.19).
const OID_COMMON_NAME = Buffer.from('0603550403', 'hex'); // 2.5.4.3
const OID_ECDSA_SHA256 = Buffer.from('06082a8648ce3d040302', 'hex'); // 1.2.840.10045.4.3.2
const OID_SUBJECT_ALT_NAME = Buffer.from('0603551d11', 'hex'); // 2.5.29.17

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const length =
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

function seq(...parts: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(parts));
}

function set(...parts: Buffer[]): Buffer {
  return tlv(0x31, Buffer.concat(parts));
}

function integer(bytes: Buffer): Buffer {
  return tlv(0x02, bytes);
}

/** Clears the sign bit so a random serial is a positive INTEGER (RFC 5280 §4.1.2.2). */
function positive(bytes: Buffer): Buffer {
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes;
}

/** UTCTime YYMMDDHHMMSSZ (RFC 5280 §4.1.2.5.1; fine until 2050). */
function utcTime(d: Date): Buffer {
  const iso = d.toISOString();
  const text =
    iso.slice(2, 4) +
    iso.slice(5, 7) +
    iso.slice(8, 10) +
    iso.slice(11, 13) +
    iso.slice(14, 16) +
    iso.slice(17, 19) +
    'Z';
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

/** GeneralName: dNSName [2] or iPAddress [7] (RFC 5280 §4.2.1.6). */
function altName(name: string): Buffer {
  const family = isIP(name);
  if (family === 4) return tlv(0x87, Buffer.from(name.split('.').map(Number)));
  if (family === 6) {
    const [head = '', tail = ''] = name.split('::');
    const h = head === '' ? [] : head.split(':');
    const t = tail === '' ? [] : tail.split(':');
    const groups = name.includes('::')
      ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t]
      : h;
    return tlv(0x87, Buffer.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff])));
  }
  return tlv(0x82, Buffer.from(name, 'ascii'));
}

function pem(label: string, der: Buffer): string {
  const b64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
