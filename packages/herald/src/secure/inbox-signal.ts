import type { Queued } from './inbox-store.ts';

/** Receives a device's new last sequence number. */
export type InboxListener = (seq: number) => void;

/**
 * Tells open streams that device inboxes grew. The port has one implementation per deployment
 * shape: in one process (`LocalInboxSignal`, SQLite), and across processes sharing PostgreSQL
 * (`PgInboxSignal`, LISTEN/NOTIFY). A signal may be lost (a dropped connection); streams also
 * re-read their inbox's sequence number periodically, so a lost signal only delays a fetch.
 */
export interface InboxSignal {
  /** Announces items that committed: each device's new sequence number. */
  announce(queued: readonly Queued[]): Promise<void>;
  /** Calls `listener` for every announcement for `deviceId`; returns the unsubscribe function. */
  subscribe(deviceId: string, listener: InboxListener): () => void;
  close(): Promise<void>;
}

/** Listeners per device, shared by the implementations. */
export class InboxListeners {
  readonly #byDevice = new Map<string, Set<InboxListener>>();

  add(deviceId: string, listener: InboxListener): () => void {
    let set = this.#byDevice.get(deviceId);
    if (!set) this.#byDevice.set(deviceId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#byDevice.delete(deviceId);
    };
  }

  emit(deviceId: string, seq: number): void {
    for (const listener of this.#byDevice.get(deviceId) ?? []) listener(seq);
  }
}

/** One process: announcements go straight to this process's streams. */
export class LocalInboxSignal implements InboxSignal {
  readonly #listeners = new InboxListeners();

  announce(queued: readonly Queued[]): Promise<void> {
    for (const q of queued) this.#listeners.emit(q.deviceId, q.seq);
    return Promise.resolve();
  }

  subscribe(deviceId: string, listener: InboxListener): () => void {
    return this.#listeners.add(deviceId, listener);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
