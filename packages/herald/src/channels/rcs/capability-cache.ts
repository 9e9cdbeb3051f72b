/**
 * RBM capability answers, cached per number with a TTL (DESIGN "Capability answers are
 * cacheable": RBM only knows numbers seen on RCS in the last 31 days, so an answer stays good
 * for a while, and a cached "no" skips a doomed send). Negative answers expire sooner, since a
 * number can come onto RCS at any time. Bounded: the oldest entries go first.
 */
export class CapabilityCache {
  readonly #ttlMs: number;
  readonly #negativeTtlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { capable: boolean; until: number }>();

  constructor(opts: { ttlMs: number; negativeTtlMs: number; maxEntries: number; now?: () => number }) {
    this.#ttlMs = opts.ttlMs;
    this.#negativeTtlMs = opts.negativeTtlMs;
    this.#maxEntries = opts.maxEntries;
    this.#now = opts.now ?? Date.now;
  }

  /** The cached answer, or undefined when none is fresh. */
  get(phone: string): boolean | undefined {
    const entry = this.#entries.get(phone);
    if (entry === undefined) return undefined;
    if (this.#now() >= entry.until) {
      this.#entries.delete(phone);
      return undefined;
    }
    return entry.capable;
  }

  /** Records an answer. */
  set(phone: string, capable: boolean): void {
    this.#entries.delete(phone);
    this.#entries.set(phone, { capable, until: this.#now() + (capable ? this.#ttlMs : this.#negativeTtlMs) });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
