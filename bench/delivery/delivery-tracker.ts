import { performance } from 'node:perf_hooks';
import { summarise, type RunStats } from './run-stats.ts';

/**
 * The fate of every message of one run, by the benchmark's index. The gateway's id for a message
 * is known after its submit answers (`bind`), and a receipt can win that race, so receipts for
 * ids not bound yet wait in `#early`.
 */
export class DeliveryTracker {
  readonly #submittedAt: Float64Array;
  readonly #finishedAt: Float64Array;
  readonly #ok: Uint8Array;
  readonly #byId = new Map<string, number>();
  readonly #early = new Map<string, { at: number; ok: boolean }>();
  readonly #now: () => number;
  #finished = 0;
  #lastProgress: number;
  #wake: (() => void) | undefined;

  constructor(
    readonly size: number,
    now: () => number = () => performance.now(),
  ) {
    this.#now = now;
    this.#lastProgress = now();
    this.#submittedAt = new Float64Array(size).fill(NaN);
    this.#finishedAt = new Float64Array(size).fill(NaN);
    this.#ok = new Uint8Array(size);
  }

  /** Message `i` is about to be submitted. */
  submitting(i: number): void {
    this.#submittedAt[i] = this.#now();
  }

  /** Message `i` is known to the gateway as `id`. */
  bind(i: number, id: string): void {
    this.#byId.set(id, i);
    const early = this.#early.get(id);
    if (early === undefined) return;
    this.#early.delete(id);
    this.#finish(i, early.at, early.ok);
  }

  /** The submit of message `i` was refused: it ends as failed. */
  refused(i: number): void {
    this.#finish(i, this.#now(), false);
  }

  /** A final state arrived for the gateway's `id`. Repeats (at-least-once callbacks) count once. */
  finished(id: string, ok: boolean): void {
    const at = this.#now();
    const i = this.#byId.get(id);
    if (i === undefined) this.#early.set(id, { at, ok });
    else this.#finish(i, at, ok);
  }

  #finish(i: number, at: number, ok: boolean): void {
    if (!Number.isNaN(this.#finishedAt[i]!)) return;
    this.#finishedAt[i] = at;
    this.#ok[i] = ok ? 1 : 0;
    this.#finished++;
    this.#lastProgress = at;
    if (this.#finished === this.size) this.#wake?.();
  }

  /** Resolves when every message has a final state, or nothing has arrived for `idleMs`. */
  async settled(idleMs: number): Promise<void> {
    while (this.#finished < this.size) {
      const idle = this.#now() - this.#lastProgress;
      if (idle >= idleMs) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(250, idleMs - idle));
        this.#wake = () => (clearTimeout(t), resolve());
      });
      this.#wake = undefined;
    }
  }

  stats(): RunStats {
    const latencies: number[] = [];
    let failed = 0;
    let firstSubmit = Infinity;
    let lastDelivered = -Infinity;
    for (let i = 0; i < this.size; i++) {
      firstSubmit = Math.min(firstSubmit, this.#submittedAt[i]!);
      const end = this.#finishedAt[i]!;
      if (Number.isNaN(end)) continue;
      if (this.#ok[i] === 0) {
        failed++;
        continue;
      }
      latencies.push(end - this.#submittedAt[i]!);
      lastDelivered = Math.max(lastDelivered, end);
    }
    return summarise({
      latencies,
      failed,
      missing: this.size - this.#finished,
      firstSubmit,
      lastDelivered,
    });
  }
}
