import { runPeriodically, type PeriodicTask } from '../journal/periodic-task.ts';
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

  /**
   * Runs at once and then every `intervalMs` (after each run ends) until the returned task is
   * stopped. The gateway starts it in worker processes, next to the journal's periodic jobs.
   */
  start(intervalMs: number): PeriodicTask {
    return runPeriodically(
      () => this.runOnce(),
      intervalMs,
      (err: unknown) => this.deps.log.warn({ code: (err as { code?: string }).code }, 'queue expiry failed'),
    );
  }
}
