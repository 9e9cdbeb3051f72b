// Test-only reference: the RFC 9162 §2.1 definitions written as literally as possible, with no
// shared code from the module under test apart from the two hash functions (checked against the
// conformance vectors on their own). Exponential-free but O(n) per call: small trees only.
import { emptyRoot, hashChildren, hashLeaf, type Hash } from '../hash.ts';

/** The largest power of two strictly less than n (n > 1), by repeated doubling. */
function k(n: number): number {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
}

/** MTH(D[n]) over leaf data (RFC 9162 §2.1.1). */
export function naiveRoot(d: readonly Uint8Array[]): Hash {
  if (d.length === 0) return emptyRoot();
  if (d.length === 1) return hashLeaf(d[0]!);
  const s = k(d.length);
  return hashChildren(naiveRoot(d.slice(0, s)), naiveRoot(d.slice(s)));
}

/** PATH(m, D[n]) (RFC 9162 §2.1.3.1). */
export function naivePath(m: number, d: readonly Uint8Array[]): Hash[] {
  if (d.length <= 1) return [];
  const s = k(d.length);
  return m < s
    ? [...naivePath(m, d.slice(0, s)), naiveRoot(d.slice(s))]
    : [...naivePath(m - s, d.slice(s)), naiveRoot(d.slice(0, s))];
}

/** SUBPROOF(m, D[n], b) (RFC 9162 §2.1.4.1). */
function subproof(m: number, d: readonly Uint8Array[], b: boolean): Hash[] {
  if (m === d.length) return b ? [] : [naiveRoot(d)];
  const s = k(d.length);
  return m <= s
    ? [...subproof(m, d.slice(0, s), b), naiveRoot(d.slice(s))]
    : [...subproof(m - s, d.slice(s), false), naiveRoot(d.slice(0, s))];
}

/** PROOF(m, D[n]) (RFC 9162 §2.1.4.1); empty for m = 0 and m = n. */
export function naiveConsistency(m: number, d: readonly Uint8Array[]): Hash[] {
  return m === 0 ? [] : subproof(m, d, true);
}
