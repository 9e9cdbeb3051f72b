import { randomBytesPooled } from '../crypto/random-pool.ts';

let lastMs = 0;
let counter = 0;

/**
 * An id whose text sorts in creation order within this process, even within one millisecond:
 * 9 base-36 digits of milliseconds, a 6-digit base-36 counter, then 8 random hex digits. The
 * sequencers integrate pending entries in id order, so entries captured one after another become
 * leaves in that order (ULIDs, random within a millisecond, would shuffle them).
 */
export function monotonicId(prefix: string, now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else {
    counter++;
  }
  const time = lastMs.toString(36).padStart(9, '0');
  const seq = counter.toString(36).padStart(6, '0');
  return `${prefix}_${time}${seq}${randomBytesPooled(4).toString('hex')}`;
}
