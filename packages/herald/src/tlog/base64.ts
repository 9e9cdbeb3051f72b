/** Standard base64 with padding (RFC 4648 §4), the encoding of every hash and signature in tlog formats. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes canonical standard base64 (RFC 4648 §4: padded, no whitespace, zero pad bits), or
 * returns `undefined`. Node's own decoder skips junk silently, which a strict parser must not.
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  // RFC 4648 §3.5: non-zero pad bits make a second spelling of the same bytes; refuse it.
  if (bytes.toString('base64') !== text) return undefined;
  return Uint8Array.from(bytes);
}
