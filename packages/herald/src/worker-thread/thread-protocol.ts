import type { Config } from '../config.ts';

/** What the delivery worker thread is started with. */
export interface ThreadData {
  readonly config: Config;
  readonly logLevel: string;
  /** The `ThreadWriteLock` cells the API thread's store uses too. */
  readonly writeLock: SharedArrayBuffer;
}

/** Messages from the API thread to the worker thread. */
export type ToThread =
  { readonly type: 'wake' } | { readonly type: 'problems'; readonly id: number } | { readonly type: 'close' };

/** Messages from the worker thread to the API thread. */
export type FromThread =
  | { readonly type: 'started' }
  | { readonly type: 'failed'; readonly code: string }
  | { readonly type: 'problems'; readonly id: number; readonly problems: readonly string[] }
  | { readonly type: 'closed' };
