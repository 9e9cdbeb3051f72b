import { sha256 } from '#tlog-platform';
import { HeraldError } from '../errors/index.ts';

/** A SHA-256 output: 32 bytes. Tree nodes, leaf hashes and roots are all `Hash` values. */
export type Hash = Uint8Array;

/** The length of every hash in a SHA-256 Merkle tree (RFC 9162 §2.1.1 with SHA-256). */
export const HASH_SIZE = 32;

// Domain-separation prefixes, RFC 9162 §2.1.1: a leaf can never be mistaken for a node.
const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

// Typed arrays cannot be frozen, so the constant stays private and callers get copies.
const EMPTY_ROOT = sha256(new Uint8Array(0));

/** The root of the empty tree, `MTH({}) = SHA-256()` (RFC 9162 §2.1.1); a fresh copy each call. */
export function emptyRoot(): Hash {
  return Uint8Array.from(EMPTY_ROOT);
}

// Scratch input buffers: `sha256` reads its input synchronously, so one buffer per kind is
// reused instead of allocating an input for every hash (which dominated append time).
const nodeInput = new Uint8Array(1 + 2 * HASH_SIZE);
nodeInput[0] = NODE_PREFIX;
let leafInput = new Uint8Array(1 + 256);
const MAX_LEAF_SCRATCH = 64 * 1024;

/** The leaf hash `SHA-256(0x00 || data)` (RFC 9162 §2.1.1, `MTH({d(0)})`). */
export function hashLeaf(data: Uint8Array): Hash {
  if (data.length + 1 > leafInput.length) {
    if (data.length + 1 > MAX_LEAF_SCRATCH) {
      // Rare and large: one allocation is cheap next to hashing this much.
      const input = new Uint8Array(1 + data.length);
      input[0] = LEAF_PREFIX;
      input.set(data, 1);
      return sha256(input);
    }
    leafInput = new Uint8Array(MAX_LEAF_SCRATCH);
  }
  leafInput[0] = LEAF_PREFIX;
  leafInput.set(data, 1);
  return sha256(leafInput.subarray(0, 1 + data.length));
}

const utf8 = new TextEncoder();

/**
 * `hashLeaf` of the UTF-8 bytes of `text`, encoded straight into the scratch input: for leaves
 * that are text (the journal's), this saves allocating the leaf bytes for every hash.
 */
export function hashLeafText(text: string): Hash {
  // UTF-8 needs at most 3 bytes per UTF-16 code unit.
  if (3 * text.length + 1 > leafInput.length) {
    if (3 * text.length + 1 > MAX_LEAF_SCRATCH) return hashLeaf(utf8.encode(text));
    leafInput = new Uint8Array(MAX_LEAF_SCRATCH);
  }
  leafInput[0] = LEAF_PREFIX;
  const { written } = utf8.encodeInto(text, leafInput.subarray(1));
  return sha256(leafInput.subarray(0, 1 + written));
}

/** The interior node hash `SHA-256(0x01 || left || right)` (RFC 9162 §2.1.1). */
export function hashChildren(left: Hash, right: Hash): Hash {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    // A short input would otherwise leave stale scratch bytes in the hash.
    throw new HeraldError('HERALD_ERR_TLOG_INVALID_ARGUMENT', { detail: 'a child hash must be 32 bytes' });
  }
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_SIZE);
  return sha256(nodeInput);
}

/** Whether `value` is a byte array of exactly {@link HASH_SIZE} bytes. */
export function isHash(value: unknown): value is Hash {
  return value instanceof Uint8Array && value.length === HASH_SIZE;
}

/** Byte-wise equality of two hashes (public data, so no constant-time compare is needed). */
export function hashEquals(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
