import { ed25519Signer, ed25519Verifier, randomBytes } from '#tlog-platform';
import { HeraldError } from '../errors/index.ts';
import { decodeBase64, encodeBase64 } from './base64.ts';
import { isValidKeyName, NOTE_KEY_TYPE_ED25519, noteKeyId } from './note-key-id.ts';
import type { NoteSignOptions, NoteSigner } from './note-signer.ts';
import type { NoteVerifier } from './note-verifier.ts';

const KEY_SIZE = 32;
const SIGNATURE_SIZE = 64;
const SIGNER_PREFIX = 'PRIVATE+KEY+';

const malformed = (detail: string): HeraldError =>
  new HeraldError('HERALD_ERR_TLOG_MALFORMED_KEY', { detail });

function checkName(name: string): void {
  if (!isValidKeyName(name))
    throw malformed('the key name is empty or has spaces, "+" or control characters');
}

/** A public Ed25519 note key: verifies signatures and prints as a verifier key string. */
export class Ed25519NoteVerifier implements NoteVerifier {
  readonly name: string;
  readonly keyId: string;
  readonly #publicKey: Uint8Array;
  readonly #verify: (message: Uint8Array, signature: Uint8Array) => boolean;

  /** @param publicKey the raw 32-byte Ed25519 public key (RFC 8032 §5.1.5) */
  constructor(name: string, publicKey: Uint8Array) {
    checkName(name);
    if (publicKey.length !== KEY_SIZE) throw malformed('an Ed25519 public key is 32 bytes');
    this.name = name;
    this.#publicKey = Uint8Array.from(publicKey);
    this.keyId = noteKeyId(name, NOTE_KEY_TYPE_ED25519, this.#publicKey);
    try {
      this.#verify = ed25519Verifier(this.#publicKey);
    } catch (cause) {
      throw new HeraldError(
        'HERALD_ERR_TLOG_MALFORMED_KEY',
        { detail: 'not an Ed25519 public key' },
        { cause },
      );
    }
  }

  /** The raw 32-byte public key. */
  get publicKey(): Uint8Array {
    return Uint8Array.from(this.#publicKey);
  }

  /** The verifier key string, `<name>+<hex key id>+<base64(0x01 || public key)>`. */
  get verifierKey(): string {
    return `${this.name}+${this.keyId}+${encodeBase64(Uint8Array.of(NOTE_KEY_TYPE_ED25519, ...this.#publicKey))}`;
  }

  verify(message: Uint8Array, signature: Uint8Array): boolean {
    if (signature.length !== SIGNATURE_SIZE) return false;
    return this.#verify(message, signature);
  }

  toString(): string {
    return this.verifierKey;
  }
}

/**
 * A private Ed25519 note key held in memory. The seed is never exposed again after
 * construction (`toString` and `inspect` show only the name and key id).
 */
export class Ed25519NoteSigner implements NoteSigner {
  readonly name: string;
  readonly keyId: string;
  readonly #sign: (message: Uint8Array) => Uint8Array;
  readonly #verifier: Ed25519NoteVerifier;

  /** @param seed the 32-byte Ed25519 private key seed (RFC 8032 §5.1.5) */
  constructor(name: string, seed: Uint8Array) {
    checkName(name);
    if (seed.length !== KEY_SIZE) throw malformed('an Ed25519 private key seed is 32 bytes');
    const key = ed25519Signer(seed);
    this.#sign = key.sign;
    this.#verifier = new Ed25519NoteVerifier(name, key.publicKey);
    this.name = name;
    this.keyId = this.#verifier.keyId;
  }

  /** The matching public key. */
  verifier(): Ed25519NoteVerifier {
    return this.#verifier;
  }

  async sign(message: Uint8Array, opts: NoteSignOptions = {}): Promise<Uint8Array> {
    opts.signal?.throwIfAborted();
    // Ed25519 (RFC 8032) is deterministic: the same key and message give the same signature.
    return this.#sign(message);
  }

  toString(): string {
    return `Ed25519NoteSigner(${this.name}+${this.keyId})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** Splits `<name>+<hex id>+<base64>` (the base64 may itself contain `+`) and checks the id. */
function parseKeyFields(text: string, kind: string): { name: string; raw: Uint8Array } {
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) throw malformed(`a ${kind} key has the form <name>+<key id>+<key>`);
  const name = text.slice(0, first);
  const id = text.slice(first + 1, second);
  checkName(name);
  if (!/^[0-9a-f]{8}$/.test(id)) throw malformed('the key id must be 8 lowercase hex digits');
  const raw = decodeBase64(text.slice(second + 1));
  if (raw === undefined) throw malformed('the key is not canonical base64');
  if (raw[0] !== NOTE_KEY_TYPE_ED25519) throw malformed('only Ed25519 keys (type 0x01) are supported');
  if (raw.length !== 1 + KEY_SIZE) throw malformed('an Ed25519 key is 32 bytes after the type byte');
  return { name, raw: raw.subarray(1) };
}

/**
 * Parses a verifier key string `<name>+<hex key id>+<base64(0x01 || 32-byte public key)>` (the
 * format of golang.org/x/mod/sumdb/note). Throws `HERALD_ERR_TLOG_MALFORMED_KEY` when any field
 * is wrong, including a key id that does not match the key.
 */
export function parseVerifierKey(text: string): Ed25519NoteVerifier {
  const { name, raw } = parseKeyFields(text, 'verifier');
  const verifier = new Ed25519NoteVerifier(name, raw);
  if (verifier.keyId !== text.split('+')[1]) throw malformed('the key id does not match the key');
  return verifier;
}

/**
 * Parses a signer key string `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || 32-byte seed)>`.
 * The string is a secret: error messages never repeat it.
 */
export function parseSignerKey(text: string): Ed25519NoteSigner {
  if (!text.startsWith(SIGNER_PREFIX)) throw malformed('a signer key starts with PRIVATE+KEY+');
  const rest = text.slice(SIGNER_PREFIX.length);
  const { name, raw } = parseKeyFields(rest, 'signer');
  const signer = new Ed25519NoteSigner(name, raw);
  raw.fill(0);
  if (signer.keyId !== rest.split('+')[1]) throw malformed('the key id does not match the key');
  return signer;
}

/** A freshly generated note key as the two strings Go's `note.GenerateKey` prints. */
export interface GeneratedNoteKey {
  /** `PRIVATE+KEY+...`: keep it secret (key vault, file with mode 0600). */
  readonly signerKey: string;
  /** The public key string to publish and to give verifiers. */
  readonly verifierKey: string;
}

/** Generates a new Ed25519 note key named `name`. */
export function generateNoteKey(name: string): GeneratedNoteKey {
  const seed = randomBytes(KEY_SIZE);
  const signer = new Ed25519NoteSigner(name, seed);
  const signerKey = `${SIGNER_PREFIX}${name}+${signer.keyId}+${encodeBase64(Uint8Array.of(NOTE_KEY_TYPE_ED25519, ...seed))}`;
  seed.fill(0);
  return { signerKey, verifierKey: signer.verifier().verifierKey };
}
