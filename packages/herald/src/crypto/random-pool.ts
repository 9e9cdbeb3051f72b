import { randomFillSync } from 'node:crypto';

const POOL = Buffer.allocUnsafe(8192);
let offset = POOL.length;

/**
 * Cryptographically random bytes, drawn from a pool refilled 8 KiB at a time: one call into
 * the CSPRNG per few hundred ids or IVs instead of one per value, which matters on the accept
 * path. The returned bytes are copied out, so a caller can keep them.
 */
export function randomBytesPooled(n: number): Buffer {
  if (n > POOL.length) throw new RangeError('too many bytes for the pool');
  if (offset + n > POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  const out = Buffer.from(POOL.subarray(offset, offset + n));
  // Never hand out the same bytes twice.
  POOL.fill(0, offset, offset + n);
  offset += n;
  return out;
}
