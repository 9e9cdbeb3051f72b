import { fromBase64, toBase64 } from '#tlog-platform';

/** Standard base64 with padding (RFC 4648 §4), the encoding of every hash and signature in tlog formats. */
export function encodeBase64(bytes: Uint8Array): string {
  return toBase64(bytes);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes canonical standard base64 (RFC 4648 §4: padded, no whitespace, zero pad bits), or
 * returns `undefined`. Runtime decoders skip junk silently, which a strict parser must not.
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = fromBase64(text);
  // RFC 4648 §3.5: non-zero pad bits make a second spelling of the same bytes; refuse it.
  if (toBase64(bytes) !== text) return undefined;
  return bytes;
}

/** Lowercase hex of `bytes` (key ids). */
export function encodeHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** The bytes of lowercase or uppercase hex the caller already checked is well-formed. */
export function decodeHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
