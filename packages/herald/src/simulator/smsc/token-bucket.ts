/**
 * A token bucket: `ratePerSecond` tokens a second, at most `capacity` saved up. The SMSC
 * answers ESME_RTHROTTLED when a submit finds the bucket empty, the way carriers enforce a
 * contracted throughput.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #capacity: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  constructor(
    ratePerSecond: number,
    capacity: number = ratePerSecond,
    now: () => number = () => performance.now(),
  ) {
    this.#rate = ratePerSecond / 1000;
    this.#capacity = capacity;
    this.#now = now;
    this.#tokens = capacity;
    this.#last = now();
  }

  /** Takes one token if there is one. */
  take(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#last) * this.#rate);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
