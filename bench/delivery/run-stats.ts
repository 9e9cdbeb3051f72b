/** What one end-to-end run measured, for one system and channel. */
export interface RunStats {
  /** Messages that reached `delivered`. */
  readonly delivered: number;
  /** Messages that ended in a failure state, or whose submit was refused. */
  readonly failed: number;
  /** Messages with no final state when the run gave up waiting. */
  readonly missing: number;
  /** Delivered messages per second, from the first submit to the last `delivered`. */
  readonly perSecond: number;
  /** Time from submit to `delivered`, ms. */
  readonly p50: number;
  readonly p99: number;
}

/**
 * The value at quantile `q` (0..1) of `sorted` (ascending), nearest rank: the smallest value with
 * at least `q` of the samples at or below it. NaN for no samples.
 */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  if (!(q >= 0 && q <= 1)) throw new RangeError('quantile: q must be in [0, 1]');
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

/**
 * Summarises one run. `latencies` are submit-to-delivered times (ms) of the delivered messages;
 * `firstSubmit` and `lastDelivered` are clock readings (ms) that bound the run.
 */
export function summarise(run: {
  readonly latencies: readonly number[];
  readonly failed: number;
  readonly missing: number;
  readonly firstSubmit: number;
  readonly lastDelivered: number;
}): RunStats {
  const sorted = Float64Array.from(run.latencies).sort();
  const seconds = (run.lastDelivered - run.firstSubmit) / 1000;
  return {
    delivered: sorted.length,
    failed: run.failed,
    missing: run.missing,
    perSecond: sorted.length > 0 && seconds > 0 ? sorted.length / seconds : 0,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
  };
}

/** The median of a list (the lower middle for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)]!;
}
