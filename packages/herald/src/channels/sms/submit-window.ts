/**
 * A counting semaphore for outstanding submit_sm PDUs. SMPP 3.4 (§2, after the PDU tables) lets
 * an ESME send further requests before earlier responses arrive, and leaves the number that may be
 * outstanding (the "window") to the SMSC's implementation; it is agreed out of band. Waiters are served first come, first served.
 */
export class SubmitWindow {
  readonly size: number;
  #outstanding = 0;
  readonly #waiters: Waiter[] = [];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('window size must be a positive integer');
    this.size = size;
  }

  /** Slots taken now. */
  get outstanding(): number {
    return this.#outstanding;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Resolves once the caller holds a slot, which it must give back with `release()`. If the
   * signal aborts first, rejects with `abortError()` and takes no slot.
   */
  acquire(signal: AbortSignal | undefined, abortError: () => Error): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError());
    if (this.#outstanding < this.size) {
      this.#outstanding++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(abortError());
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
    });
  }

  /** Gives a slot back; the longest waiter, if any, takes it over directly. */
  release(): void {
    const next = this.#waiters.shift();
    if (next === undefined) {
      if (this.#outstanding > 0) this.#outstanding--;
      return;
    }
    detach(next);
    next.resolve();
  }

  /** Fails every waiter (the link went down or the adapter is closing); slots held stay held. */
  rejectWaiters(error: Error): void {
    for (const waiter of this.#waiters.splice(0)) {
      detach(waiter);
      waiter.reject(error);
    }
  }
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

function detach(waiter: Waiter): void {
  if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort);
}
