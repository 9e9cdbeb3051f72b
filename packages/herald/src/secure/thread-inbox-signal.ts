import { BroadcastChannel } from 'node:worker_threads';
import type { Queued } from './inbox-store.ts';
import { InboxListeners, type InboxListener, type InboxSignal } from './inbox-signal.ts';

/** The broadcast channel's name; messages are `[deviceId, seq]` pairs (metadata only). */
export const THREAD_INBOX_CHANNEL = 'herald-inbox';

/**
 * Inbox announcements between the threads of one process sharing a SQLite database (`herald
 * serve` runs its delivery worker in a worker thread): items the worker's secure adapter queues
 * reach the streams the API thread holds. A `BroadcastChannel` reaches every other instance with
 * the same name in the process, not its own, so announcements also go to this thread's listeners.
 */
export class ThreadInboxSignal implements InboxSignal {
  readonly #listeners = new InboxListeners();
  readonly #channel = new BroadcastChannel(THREAD_INBOX_CHANNEL);

  constructor() {
    this.#channel.onmessage = (e: unknown) => {
      const data = (e as { data?: unknown }).data;
      if (!Array.isArray(data)) return;
      for (const pair of data as unknown[]) {
        if (!Array.isArray(pair)) continue;
        const [deviceId, seq] = pair as unknown[];
        if (typeof deviceId === 'string' && Number.isSafeInteger(seq))
          this.#listeners.emit(deviceId, seq as number);
      }
    };
  }

  announce(queued: readonly Queued[]): Promise<void> {
    if (queued.length === 0) return Promise.resolve();
    for (const q of queued) this.#listeners.emit(q.deviceId, q.seq);
    this.#channel.postMessage(queued.map((q) => [q.deviceId, q.seq]));
    return Promise.resolve();
  }

  subscribe(deviceId: string, listener: InboxListener): () => void {
    return this.#listeners.add(deviceId, listener);
  }

  /** Stops listening (an open channel keeps its thread alive). */
  close(): Promise<void> {
    this.#channel.close();
    return Promise.resolve();
  }
}
