import type { AcceptOutcome, MessageStore, NewMessage } from '../storage/message-store.ts';

interface Pending {
  readonly message: NewMessage;
  readonly resolve: (o: AcceptOutcome) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Group commit for the accept path: requests that arrive while a commit is in progress are
 * written together in the next transaction, so each 202 is durable and the cost of a commit
 * (an fsync on SQLite) is shared by many messages.
 *
 * The next batch starts as soon as the previous one is written, not when its WAL flush ends:
 * it then holds every request that arrived meanwhile and commits while that flush runs. At most
 * `inFlight` batches wait for their flush at once.
 */
export class AcceptQueue {
  #queue: Pending[] = [];
  #scheduled = false;
  #running = 0;
  /** A batch is handed to the store and not yet written: the next one waits to hold more. */
  #writing = false;

  constructor(
    private readonly store: MessageStore,
    private readonly onCommitted: () => void = () => {},
    private readonly maxBatch = 512,
    private readonly inFlight = 2,
  ) {}

  submit(message: NewMessage): Promise<AcceptOutcome> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ message, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#writing || this.#running >= this.inFlight || this.#queue.length === 0)
      return;
    this.#scheduled = true;
    // Let the requests already parsed in this turn of the event loop join the batch.
    setImmediate(() => {
      this.#scheduled = false;
      void this.#send();
    });
  }

  async #send(): Promise<void> {
    if (this.#writing || this.#running >= this.inFlight || this.#queue.length === 0) return;
    const batch = this.#queue.splice(0, this.maxBatch);
    this.#running++;
    this.#writing = true;
    let written = false;
    const onWritten = () => {
      if (written) return;
      written = true;
      this.#writing = false;
      this.#schedule();
    };
    try {
      const outcomes = await this.store.acceptBatch(
        batch.map((p) => p.message),
        onWritten,
      );
      batch.forEach((p, i) => p.resolve(outcomes[i]!));
      this.onCommitted();
    } catch (err) {
      // The transaction rolled back: nothing of this batch was written.
      for (const p of batch) p.reject(err);
    } finally {
      onWritten();
      this.#running--;
      this.#schedule();
    }
  }
}
