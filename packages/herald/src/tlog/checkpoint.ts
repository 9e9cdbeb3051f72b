import { HeraldError } from '../errors/index.ts';
import { decodeBase64, encodeBase64 } from './base64.ts';
import { HASH_SIZE, isHash, type Hash } from './hash.ts';
import type { NoteSignOptions, NoteSigner } from './note-signer.ts';
import type { NoteVerifier } from './note-verifier.ts';
import { openNote, signNote, type OpenedNote } from './signed-note.ts';
import { isCount, type TreeSize } from './tree-size.ts';

/**
 * A log checkpoint (C2SP tlog-checkpoint): the log's origin, a tree size and the RFC 9162 root of
 * that many leaves, plus optional extension lines. It is the body of a signed note.
 */
export interface Checkpoint {
  /** Names the log, e.g. `herald.example.com/journal`; unique per log and key. */
  readonly origin: string;
  readonly size: TreeSize;
  /** `MTH(D[size])` (RFC 9162 §2.1.1). */
  readonly root: Hash;
  /** Extra non-empty lines after the root; verifiers ignore the ones they do not know. */
  readonly extensions: readonly string[];
}

/** A checkpoint taken from a note that verified. */
export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly note: OpenedNote;
}

const malformed = (detail: string): HeraldError =>
  new HeraldError('HERALD_ERR_TLOG_MALFORMED_CHECKPOINT', { detail });

function checkLine(line: string, what: string): void {
  // eslint-disable-next-line no-control-regex
  if (line.length === 0 || /[\u0000-\u001f]|\p{Cs}/u.test(line)) {
    throw malformed(`the ${what} must be a non-empty line without control characters`);
  }
}

/**
 * The checkpoint body: `<origin>\n<size in decimal>\n<base64 root>\n` then one line per
 * extension. Throws `HERALD_ERR_TLOG_MALFORMED_CHECKPOINT` for an empty origin or extension, a
 * line break inside one, a bad size or a root that is not 32 bytes.
 */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, root, extensions } = checkpoint;
  checkLine(origin, 'origin');
  for (const ext of extensions) checkLine(ext, 'extension');
  if (!isCount(size)) throw malformed('the tree size must be a non-negative safe integer');
  if (!isHash(root)) throw malformed('the root hash must be 32 bytes');
  return [origin, String(size), encodeBase64(root), ...extensions].map((l) => `${l}\n`).join('');
}

/**
 * Parses a checkpoint body strictly (C2SP tlog-checkpoint): at least three newline-terminated
 * lines, a non-empty origin, a decimal size without sign or leading zeros (at most 2^53 - 1), a
 * canonical base64 root of 32 bytes and non-empty extension lines. Anything else throws
 * `HERALD_ERR_TLOG_MALFORMED_CHECKPOINT`.
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw malformed('it must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw malformed('it needs an origin, a tree size and a root hash line');
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  checkLine(origin, 'origin');
  for (const ext of extensions) checkLine(ext, 'extension');
  if (!/^(?:0|[1-9][0-9]*)$/.test(sizeLine)) throw malformed('the tree size must be a decimal number');
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw malformed('the tree size is above 2^53 - 1');
  const root = decodeBase64(rootLine);
  if (root?.length !== HASH_SIZE) throw malformed('the root hash must be 32 bytes in canonical base64');
  return { origin, size: size as TreeSize, root, extensions };
}

/** Formats `checkpoint` and signs it with every signer: the signed note a log publishes. */
export function signCheckpoint(
  checkpoint: Checkpoint,
  signers: readonly NoteSigner[],
  opts: NoteSignOptions = {},
): Promise<string> {
  return signNote(formatCheckpoint(checkpoint), signers, opts);
}

/** What {@link openCheckpoint} checks against. */
export interface CheckpointTrust {
  /** The origin of the log the caller expects. */
  readonly origin: string;
  /** The log's public keys; one valid signature by any of them suffices. */
  readonly verifiers: readonly NoteVerifier[];
}

/**
 * Verifies a signed checkpoint: the note must carry a valid signature by one of
 * `trust.verifiers` ({@link openNote}'s rules and errors), its body must parse, and its origin
 * must be `trust.origin` (else `HERALD_ERR_TLOG_ORIGIN_MISMATCH`, so a checkpoint of another log
 * signed by the same key is refused).
 */
export function openCheckpoint(note: string | Uint8Array, trust: CheckpointTrust): OpenedCheckpoint {
  const opened = openNote(note, trust.verifiers);
  const checkpoint = parseCheckpoint(opened.text);
  if (checkpoint.origin !== trust.origin) {
    throw new HeraldError('HERALD_ERR_TLOG_ORIGIN_MISMATCH', { expected: trust.origin });
  }
  return { checkpoint, note: opened };
}
