// Atomics.waitAsync is ES2024 (in Node since 16); the project's TypeScript lib predates it.
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      cells: Int32Array,
      index: number,
      value: number,
    ): { async: false; value: string } | { async: true; value: Promise<string> };
  }
).waitAsync;

/**
 * A first-come, first-served lock shared by the threads of one process (a ticket lock on a
 * `SharedArrayBuffer`), taken around each SQLite write transaction. SQLite admits one writer;
 * without this, a thread that finds the database locked waits inside SQLite's busy handler,
 * which sleeps 1, 2, 5, 10… ms with its whole event loop stopped (measured: the API thread
 * stalled for 1.8 s of a 10 s delivery run). Waiting here is `Atomics.waitAsync`: the event loop
 * keeps serving requests and the waiter runs as soon as the holder releases. Tickets keep the
 * order fair, so a thread that commits back to back cannot starve the other. Other processes
 * on the same database still meet SQLite's busy timeout.
 */
export class ThreadWriteLock {
  readonly #cells: Int32Array;

  /** `buffer` from `ThreadWriteLock.buffer()`, the same one in every thread. */
  constructor(readonly buffer: SharedArrayBuffer) {
    if (buffer.byteLength !== 8) throw new RangeError('a write lock buffer holds 8 bytes');
    this.#cells = new Int32Array(buffer);
  }

  /** A new lock's shared state: the next ticket (cell 0) and the ticket served (cell 1). */
  static buffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(8);
  }

  async acquire(): Promise<void> {
    const ticket = Atomics.add(this.#cells, 0, 1);
    for (;;) {
      const serving = Atomics.load(this.#cells, 1);
      if (serving === ticket) return;
      const w = waitAsync(this.#cells, 1, serving);
      if (w.async) await w.value;
    }
  }

  release(): void {
    Atomics.add(this.#cells, 1, 1);
    Atomics.notify(this.#cells, 1);
  }
}
