/**
 * Caps sends per second on a channel, like a carrier's messages-per-second limit: a token
 * bucket whose `take()` waits for a token. The cap is per worker process; with several workers
 * give each its share.
 */
export class ThroughputLimiter {
  #tokens: number;
  #last = Date.now();
  #queue: Array<() => void> = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly perSecond: number) {
    this.#tokens = perSecond;
  }

  take(): Promise<void> {
    this.#refill();
    if (this.#queue.length === 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#queue.push(resolve);
      this.#schedule();
    });
  }

  #refill(): void {
    const now = Date.now();
    this.#tokens = Math.min(this.perSecond, this.#tokens + ((now - this.#last) * this.perSecond) / 1000);
    this.#last = now;
  }

  #schedule(): void {
    if (this.#timer) return;
    const wait = Math.max(1, Math.ceil(((1 - this.#tokens) * 1000) / this.perSecond));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#refill();
      while (this.#queue.length > 0 && this.#tokens >= 1) {
        this.#tokens -= 1;
        this.#queue.shift()!();
      }
      if (this.#queue.length > 0) this.#schedule();
    }, wait);
    this.#timer.unref();
  }
}
