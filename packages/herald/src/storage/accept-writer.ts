import { Worker } from 'node:worker_threads';
import type { AcceptOutcome, AcceptRow } from './accept-rows.ts';

type Call =
  | { readonly op: 'write'; readonly url: string; readonly items: readonly AcceptRow[] }
  | { readonly op: 'open' | 'close'; readonly url: string };

export type WriterRequest = Call & { readonly seq: number };

export type WriterReply =
  | { readonly seq: number; readonly ok: true; readonly value: unknown }
  | {
      readonly seq: number;
      readonly ok: false;
      readonly error: { readonly name: string; readonly message: string; readonly code: unknown };
    };

// The thread runs TypeScript like the rest of the gateway (tsx, ADR 1); built on first use.
const bootstrap = (): URL =>
  new URL(
    `data:text/javascript,${encodeURIComponent(
      `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))};
register();
await import(${JSON.stringify(new URL('./accept-writer-thread.ts', import.meta.url).href)});`,
    )}`,
  );

interface Pending {
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
}

/** The one writer thread of the process, started on first use and shared by its databases. */
let thread: { worker: Worker; pending: Map<number, Pending> } | undefined;
let seq = 0;

function writerThread(): NonNullable<typeof thread> {
  if (thread) return thread;
  const worker = new Worker(bootstrap());
  const pending = new Map<number, Pending>();
  const t = { worker, pending };
  worker.on('message', (r: WriterReply) => {
    const p = pending.get(r.seq);
    if (!p) return;
    pending.delete(r.seq);
    if (r.ok) p.resolve(r.value);
    else p.reject(Object.assign(new Error(r.error.message), { name: r.error.name, code: r.error.code }));
    // Idle, the thread must not keep the process alive.
    if (pending.size === 0) worker.unref();
  });
  const fail = (e: unknown) => {
    if (thread === t) thread = undefined;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the accept writer thread exited with code ${code}`)));
  worker.unref();
  return (thread = t);
}

function call(req: Call): Promise<unknown> {
  const t = writerThread();
  const s = ++seq;
  return new Promise((resolve, reject) => {
    t.pending.set(s, { resolve, reject });
    t.worker.ref();
    t.worker.postMessage({ ...req, seq: s });
  });
}

/**
 * Writes accept batches of one SQLite database on the writer thread (ADR 13). The thread's
 * connection commits with `synchronous=NORMAL`; the caller orders its batches among the
 * process's other writes and fsyncs the WAL before answering, through the `TransactionRunner`.
 */
export class AcceptWriter {
  #used = false;

  constructor(private readonly url: string) {}

  /**
   * Starts the thread and opens its connection now, so the first request does not wait for
   * them (loading the thread's code takes a second or more on a busy machine).
   */
  async open(): Promise<void> {
    this.#used = true;
    await call({ op: 'open', url: this.url });
  }

  /** Runs one batch in its own transaction on the thread's connection; the outcome per item. */
  async write(items: readonly AcceptRow[]): Promise<AcceptOutcome[]> {
    this.#used = true;
    return (await call({ op: 'write', url: this.url, items })) as AcceptOutcome[];
  }

  /** Closes the thread's connection to this database (before the database is closed or removed). */
  async close(): Promise<void> {
    if (this.#used && thread) await call({ op: 'close', url: this.url });
  }
}
