/** Retry timing: exponential with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"). */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** The delay before retry number `attempt` (1-based), between 0 and min(max, base·2^(attempt-1)). */
export function backoffDelay(p: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(p.maxMs, p.baseMs * 2 ** Math.min(attempt - 1, 30));
  // Never zero: a retry in the same millisecond would hammer a peer that just said "slow down".
  return Math.max(1, Math.floor(random() * ceiling));
}
