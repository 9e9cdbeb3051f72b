import { HeraldError } from '../errors/index.ts';
import type { Brand } from '../ids.ts';

/**
 * The number of leaves in a Merkle tree (RFC 9162 §2.1.1, `n` in `MTH(D[n])`). A checkpoint
 * commits to one tree size. Kept as a JavaScript number: every size up to 2^53 - 1 is exact.
 */
export type TreeSize = Brand<number, 'TreeSize'>;

/** The zero-based position of a leaf in the log (RFC 9162 §2.1.3, `m` in `PATH(m, D[n])`). */
export type LeafIndex = Brand<number, 'LeafIndex'>;

function checkCount(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new HeraldError('HERALD_ERR_TLOG_INVALID_ARGUMENT', {
      detail: `${what} must be a non-negative safe integer`,
    });
  }
}

/** Brands `n` as a tree size; throws `HERALD_ERR_TLOG_INVALID_ARGUMENT` unless it is a non-negative safe integer. */
export function treeSize(n: number): TreeSize {
  checkCount('a tree size', n);
  return n as TreeSize;
}

/** Brands `n` as a leaf index; throws `HERALD_ERR_TLOG_INVALID_ARGUMENT` unless it is a non-negative safe integer. */
export function leafIndex(n: number): LeafIndex {
  checkCount('a leaf index', n);
  return n as LeafIndex;
}

/** Whether `n` is a usable tree size or leaf index, for code that must not throw (verifiers). */
export function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}
