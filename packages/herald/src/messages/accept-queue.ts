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
 */
export class AcceptQueue {
  #queue: Pending[] = [];
  #flushing = false;

  constructor(
    private readonly store: MessageStore,
    private readonly onCommitted: () => void = () => {},
    private readonly maxBatch = 512,
  ) {}

  submit(message: NewMessage): Promise<AcceptOutcome> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ message, resolve, reject });
      if (!this.#flushing) {
        this.#flushing = true;
        // Let the requests already parsed in this turn of the event loop join the batch.
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.maxBatch);
      try {
        const outcomes = await this.store.acceptBatch(batch.map((p) => p.message));
        batch.forEach((p, i) => p.resolve(outcomes[i]!));
        this.onCommitted();
      } catch (err) {
        // The transaction rolled back: nothing of this batch was written.
        for (const p of batch) p.reject(err);
      }
    }
    this.#flushing = false;
  }
}
