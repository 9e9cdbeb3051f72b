/**
 * Small seeded pseudo-random numbers for the carrier simulator, so a profile with a seed replays
 * the same failures. Not for anything security-related.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * mulberry32 (Tommy Ettinger, public domain): 32 bits of state, fast, and good enough to decide
 * which simulated message fails. Same seed, same sequence.
 */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * FNV-1a over the parts (joined with a separator that cannot occur in numbers), as a 32-bit
 * seed. Lets the simulator derive a stream per message from (seed, message id, attempt), so
 * a message's fate does not depend on how sends from many workers interleave.
 */
export function hashSeed(...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  for (let p = 0; p < parts.length; p++) {
    const s = p === 0 ? String(parts[p]) : `\u0000${String(parts[p])}`;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}

/** A uniform integer in [min, max] (both inclusive). */
export function intBetween(random: Random, min: number, max: number): number {
  if (max <= min) return min;
  return min + Math.floor(random() * (max - min + 1));
}
