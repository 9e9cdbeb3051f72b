import { Worker } from 'node:worker_threads';
import type { Config } from '../config.ts';
import { HeraldError } from '../errors/index.ts';
import type { ThreadWriteLock } from '../storage/thread-write-lock.ts';
import type { FromThread, ThreadData, ToThread } from './thread-protocol.ts';

/** How long the API thread waits for the worker thread to answer a readiness probe. */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * The delivery worker running in a worker thread of this process (ADR 0014): `herald serve`'s
 * API and worker on two cores, each with its own connection to the same database. The thread
 * runs the same gateway code as `herald worker` does in a process of its own.
 */
export class WorkerThread {
  #wakeQueued = false;
  #probes = new Map<number, (problems: readonly string[]) => void>();
  #nextProbe = 0;
  #closing = false;
  #closed: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    onStopped: (code: number) => void,
  ) {
    this.#closed = new Promise((resolve) =>
      worker.once('exit', (code) => {
        for (const answer of this.#probes.values()) answer(['worker thread stopped']);
        this.#probes.clear();
        if (!this.#closing) onStopped(code);
        resolve();
      }),
    );
    worker.on('message', (m: FromThread) => {
      if (m.type !== 'problems') return;
      this.#probes.get(m.id)?.(m.problems);
      this.#probes.delete(m.id);
    });
  }

  /**
   * Starts the thread and resolves once its worker runs (its adapters connect on their own, as
   * `problems` reports). `onStopped` is called if the thread ends without being closed.
   */
  static async start(
    config: Config,
    logLevel: string,
    writeLock: ThreadWriteLock,
    onStopped: (code: number) => void,
  ): Promise<WorkerThread> {
    const data: ThreadData = { config, logLevel, writeLock: writeLock.buffer };
    const worker = new Worker(new URL('./thread-entry.mjs', import.meta.url), { workerData: data });
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number) =>
        reject(new HeraldError('HERALD_ERR_WORKER_THREAD', { detail: `it exited with code ${code}` }));
      const onError = () => reject(new HeraldError('HERALD_ERR_WORKER_THREAD', { detail: 'it crashed' }));
      worker.once('exit', onExit);
      worker.once('error', onError);
      worker.on('message', function first(m: FromThread) {
        if (m.type !== 'started' && m.type !== 'failed') return;
        worker.off('message', first);
        worker.off('exit', onExit);
        worker.off('error', onError);
        if (m.type === 'started') resolve();
        else
          reject(new HeraldError('HERALD_ERR_WORKER_THREAD', { detail: `it failed to start (${m.code})` }));
      });
    });
    return new WorkerThread(worker, onStopped);
  }

  /**
   * Asks the worker to look for work now (after an accept commit). Wakes asked for in one turn
   * of the event loop are sent as one message.
   */
  wake(): void {
    if (this.#wakeQueued || this.#closing) return;
    this.#wakeQueued = true;
    setImmediate(() => {
      this.#wakeQueued = false;
      if (!this.#closing) this.#send({ type: 'wake' });
    });
  }

  /** The worker's readiness problems (channels not connected), for `/readyz`. */
  problems(): Promise<readonly string[]> {
    if (this.#closing) return Promise.resolve(['worker thread stopped']);
    const id = this.#nextProbe++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#probes.delete(id);
        resolve(['worker thread not answering']);
      }, PROBE_TIMEOUT_MS);
      this.#probes.set(id, (problems) => {
        clearTimeout(timer);
        resolve(problems);
      });
      this.#send({ type: 'problems', id });
    });
  }

  /** Stops the worker (it finishes the jobs in flight) and waits for the thread to end. */
  async close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      this.#send({ type: 'close' });
    }
    await this.#closed;
  }

  #send(m: ToThread): void {
    this.worker.postMessage(m);
  }
}
