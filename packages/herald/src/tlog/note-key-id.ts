import { sha256 } from '#tlog-platform';
import { encodeHex } from './base64.ts';

/** C2SP signed-note signature type byte for Ed25519 keys. */
export const NOTE_KEY_TYPE_ED25519 = 0x01;

// Unicode spaces (JS \s plus U+0085, which Go's unicode.IsSpace also counts), `+`, C0 controls
// and lone surrogates (not well-formed UTF-8).
// eslint-disable-next-line no-control-regex
const INVALID_NAME = /[\s\u0085+\u0000-\u001f\p{Cs}]/u;

/**
 * Whether `name` may be a note key name (C2SP signed-note): non-empty, well-formed, with no
 * Unicode spaces and no `+` (it separates the fields of a key string). Control characters are
 * refused too, since a note may not contain them.
 */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !INVALID_NAME.test(name);
}

/**
 * The key id (C2SP signed-note): the first 4 bytes of
 * `SHA-256(name || 0x0A || type || publicKey)`, as 8 lowercase hex digits.
 */
export function noteKeyId(name: string, type: number, publicKey: Uint8Array): string {
  const head = new TextEncoder().encode(`${name}\n`);
  const input = new Uint8Array(head.length + 1 + publicKey.length);
  input.set(head);
  input[head.length] = type;
  input.set(publicKey, head.length + 1);
  return encodeHex(sha256(input).subarray(0, 4));
}
