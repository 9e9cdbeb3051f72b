// Locates and loads the external conformance vectors (STYLE: they live in ../shared/vectors and
// are never edited). A missing file fails loudly instead of skipping tests.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: four levels above packages/herald/src/tlog/testing. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');

/** The folder of tlog vectors, `<repo>/../shared/vectors/tlog`. */
export const VECTORS_DIR = path.resolve(REPO_ROOT, '../shared/vectors/tlog');

/** Reads and parses one vector file; throws with the full path when it is missing. */
export function loadVectors(file: string): unknown {
  const p = path.join(VECTORS_DIR, file);
  if (!existsSync(p)) throw new Error(`conformance vectors missing: ${p} (expected beside the repository)`);
  return JSON.parse(readFileSync(p, 'utf8')) as unknown;
}

/** Shape of rfc9162-merkle.json. */
export interface MerkleVectors {
  readonly leaves_hex: readonly string[];
  readonly roots_hex: readonly string[];
  readonly node_hashes_hex: readonly (readonly string[])[];
  readonly inclusion_proofs: readonly {
    leaf_index: number;
    tree_size: number;
    path_hex: readonly string[];
  }[];
  readonly consistency_proofs: readonly { size1: number; size2: number; proof_hex: readonly string[] }[];
}

/** Shape of signed-note.json. */
export interface SignedNoteVector {
  readonly verifier_key: string;
  readonly signer_key: string;
  readonly text: string;
  readonly note: string;
}

/** Hex to bytes, for vector fields. */
export const fromHex = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

/** Bytes to hex, for comparing against vector fields. */
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
