import { HeraldSdkError } from '../errors/sdk-errors.ts';

// Standard base64 (RFC 4648 §4) with `atob`/`btoa`, which Node 20 and browsers both have.
const CANONICAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Bytes to standard padded base64, the encoding of every binary value in the API. */
export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    s += String.fromCharCode(...bytes.subarray(i, Math.min(i + 0x8000, bytes.length)));
  return btoa(s);
}

/** Strict decoding: refuses anything but canonical padded base64 (`what` names the field). */
export function fromBase64(text: unknown, what: string): Uint8Array {
  if (typeof text !== 'string' || !CANONICAL.test(text))
    throw new HeraldSdkError('HERALD_SDK_BAD_RESPONSE', { detail: `${what} is not base64` });
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  // RFC 4648 §3.5: non-zero pad bits would be a second spelling of the same bytes.
  if (toBase64(out) !== text)
    throw new HeraldSdkError('HERALD_SDK_BAD_RESPONSE', { detail: `${what} is not canonical base64` });
  return out;
}

/** Lowercase hex, for store keys derived from binary ids. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Constant-time comparison of two byte strings. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const fromUtf8 = (b: Uint8Array): string => new TextDecoder('utf-8', { fatal: true }).decode(b);
