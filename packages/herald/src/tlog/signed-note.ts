import { HeraldError } from '../errors/index.ts';
import { decodeBase64, decodeHex, encodeBase64, encodeHex } from './base64.ts';
import { isValidKeyName } from './note-key-id.ts';
import type { NoteSignOptions, NoteSigner } from './note-signer.ts';
import type { NoteVerifier } from './note-verifier.ts';

/** One signature line of a note. */
export interface NoteSignature {
  readonly name: string;
  /** 8 lowercase hex digits: the first 4 bytes of the decoded signature. */
  readonly keyId: string;
  /** The line's base64 field as written: base64(key id || signature). */
  readonly base64: string;
}

/** A note whose signatures were checked. */
export interface OpenedNote {
  /** The signed text, ending in a newline. */
  readonly text: string;
  /** Signatures by known keys, all valid (at least one). */
  readonly signatures: readonly NoteSignature[];
  /** Signatures by keys the caller did not list (e.g. witnesses); not checked. */
  readonly unverified: readonly NoteSignature[];
}

// C2SP signed-note: each signature line is an em dash (U+2014), a space, the key name, a space
// and the base64 signature.
const SIG_PREFIX = '\u2014 ';
// The same limit as golang.org/x/mod/sumdb/note, so a note cannot make us do unbounded work.
const MAX_SIGNATURES = 100;
const encoder = new TextEncoder();

const malformed = (detail: string): HeraldError =>
  new HeraldError('HERALD_ERR_TLOG_MALFORMED_NOTE', { detail });

/** Note text (and whole notes) must be well-formed UTF-8 with no controls but newline. */
function checkCharacters(text: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f]/.test(text)) throw malformed('it contains a control character');
  if (/\p{Cs}/u.test(text)) throw malformed('it is not well-formed Unicode');
}

function checkText(text: string): void {
  if (text.length === 0 || !text.endsWith('\n'))
    throw malformed('the text must be non-empty and end with a newline');
  checkCharacters(text);
}

/**
 * Signs `text` with every signer and returns the note: the text, a blank line, then one line
 * `— <name> <base64(key id || signature)>` per signer (C2SP signed-note). The text must be
 * non-empty, end with a newline and contain no control characters other than newline.
 */
export async function signNote(
  text: string,
  signers: readonly NoteSigner[],
  opts: NoteSignOptions = {},
): Promise<string> {
  checkText(text);
  if (signers.length === 0) throw malformed('a note needs at least one signer');
  const message = encoder.encode(text);
  let lines = '';
  for (const signer of signers) {
    if (!isValidKeyName(signer.name) || !/^[0-9a-f]{8}$/.test(signer.keyId)) {
      throw new HeraldError('HERALD_ERR_TLOG_MALFORMED_KEY', {
        detail: 'the signer has an invalid name or key id',
      });
    }
    const signature = await signer.sign(message, opts);
    const blob = new Uint8Array(4 + signature.length);
    blob.set(decodeHex(signer.keyId));
    blob.set(signature, 4);
    lines += `${SIG_PREFIX}${signer.name} ${encodeBase64(blob)}\n`;
  }
  return `${text}\n${lines}`;
}

/**
 * Parses a signed note strictly and checks its signatures against `verifiers` (C2SP
 * signed-note, with the rules of golang.org/x/mod/sumdb/note `Open`):
 *
 * - malformed notes throw `HERALD_ERR_TLOG_MALFORMED_NOTE` (no blank line before the signatures,
 *   no final newline, a line that is not a signature, bad base64, control characters, more than
 *   100 signatures);
 * - a signature by a listed key (same name and key id) that does not verify throws
 *   `HERALD_ERR_TLOG_BAD_SIGNATURE`: the note was tampered with;
 * - signatures by unlisted keys are returned in `unverified`, and repeats are dropped;
 * - no valid signature by a listed key throws `HERALD_ERR_TLOG_UNVERIFIED_NOTE`.
 *
 * Bytes are decoded as UTF-8 and refused when they are not valid UTF-8.
 */
export function openNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  let msg: string;
  if (typeof note === 'string') msg = note;
  else {
    try {
      msg = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(note);
    } catch {
      throw malformed('it is not valid UTF-8');
    }
  }
  checkCharacters(msg);
  // The signature block follows the last blank line; the text keeps its final newline.
  const split = msg.lastIndexOf('\n\n');
  if (split < 0) throw malformed('there is no blank line before the signatures');
  const text = msg.slice(0, split + 1);
  const block = msg.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n'))
    throw malformed('the signature block must end with a newline');

  const message = encoder.encode(text);
  const signatures: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seen = new Set<string>();
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw malformed(`it has more than ${MAX_SIGNATURES} signatures`);
  for (const line of lines) {
    if (!line.startsWith(SIG_PREFIX)) throw malformed('a signature line must start with "\u2014 "');
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest : rest.slice(0, space);
    const b64 = space < 0 ? '' : rest.slice(space + 1);
    const blob = decodeBase64(b64);
    if (!isValidKeyName(name) || blob === undefined || blob.length < 5) {
      throw malformed('a signature line must be "\u2014 <key name> <base64 signature>"');
    }
    const keyId = encodeHex(blob.subarray(0, 4));
    const sig: NoteSignature = { name, keyId, base64: b64 };
    const verifier = verifiers.find((v) => v.name === name && v.keyId === keyId);
    if (verifier === undefined) {
      // Unknown keys are fine (a witness the caller does not track); repeats of a line are not kept.
      if (!seen.has(line)) unverified.push(sig);
      seen.add(line);
      continue;
    }
    const key = `${name}+${keyId}`;
    if (seen.has(key)) continue; // Go's Open also drops repeated signatures by one key.
    seen.add(key);
    if (!verifier.verify(message, blob.subarray(4))) {
      throw new HeraldError('HERALD_ERR_TLOG_BAD_SIGNATURE', { name, keyId });
    }
    signatures.push(sig);
  }
  if (signatures.length === 0) throw new HeraldError('HERALD_ERR_TLOG_UNVERIFIED_NOTE');
  return { text, signatures, unverified };
}
