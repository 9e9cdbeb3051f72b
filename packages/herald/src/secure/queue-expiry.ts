import type { Store } from '../storage/store.ts';
import type { InboxStore } from './inbox-store.ts';

/** What the expiry job logs: counts and codes. */
export interface ExpiryLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * The queue TTL job: deletes inbox items nobody fetched within the TTL (their devices re-join
 * from the GroupInfo if they ever come back) and the adapter's de-duplication records as old.
 * Safe in several processes at once: each deletion is its own small transaction and decrements
 * the inbox's length by what it deleted.
 */
export class QueueExpiry {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(
    private readonly deps: {
      readonly store: Store;
      readonly inboxes: InboxStore;
      readonly ttlMs: number;
      readonly log: ExpiryLogger;
      readonly now?: () => number;
    },
  ) {}

  /** Deletes what has expired now; returns how many inbox items went. */
  async runOnce(): Promise<number> {
    const { store, inboxes } = this.deps;
    const now = (this.deps.now ?? Date.now)();
    let removed = 0;
    for (;;) {
      const devices = await inboxes.devicesWithExpired(store.conn.db, now, 200);
      for (const device of devices)
        removed += await store.tx.run((trx) => inboxes.expireDevice(trx, device, now));
      if (devices.length < 200) break;
    }
    await inboxes.expireSends(store.conn.db, now - this.deps.ttlMs);
    if (removed > 0) this.deps.log.info({ removed }, 'expired inbox items');
    return removed;
  }

  /** Runs every `intervalMs` until stopped. */
  start(intervalMs = 60_000): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (this.#running) return;
      this.#running = this.runOnce()
        .catch((err: unknown) =>
          this.deps.log.warn({ code: (err as { code?: string }).code }, 'queue expiry failed'),
        )
        .finally(() => (this.#running = undefined));
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
