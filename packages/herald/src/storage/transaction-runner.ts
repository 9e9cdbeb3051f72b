import { open, type FileHandle } from 'node:fs/promises';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DialectName } from './connect.ts';
import type { Database } from './schema.ts';
import type { ThreadWriteLock } from './thread-write-lock.ts';

type Work = (trx: Transaction<Database>) => Promise<unknown>;

type Result = { ok: true; value: unknown } | { ok: false; error: unknown };

interface Queued {
  /** A transaction on this runner's connection, or `elsewhere`: one committed by another. */
  readonly work: Work | { readonly elsewhere: () => Promise<unknown> };
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Runs the store's transactions. On PostgreSQL each is its own transaction on a pooled
 * connection. On SQLite there is one writer and every durable commit costs an fsync, so
 * transactions that arrive while a commit (or its flush) is running are grouped into the next
 * commit, each inside its own savepoint: one failing rolls back alone, and none is reported
 * done before the shared commit is on disk.
 */
export class TransactionRunner {
  #queue: Queued[] = [];
  #draining = false;

  #wal: Promise<FileHandle> | undefined;
  #flushed: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly walPath?: string,
    private readonly maxGroup = 256,
    /** Shared with the other threads of this process that write to the same SQLite file. */
    private readonly writeLock?: ThreadWriteLock,
  ) {}

  /**
   * Makes every committed WAL frame durable. Runs on libuv's thread pool, so requests keep being
   * parsed (and join the next group) while the disk flushes. Linux's fsync flushes the file's
   * dirty pages whichever descriptor wrote them.
   */
  async #syncWal(): Promise<void> {
    if (!this.walPath) return;
    this.#wal ??= open(this.walPath, 'r');
    await (await this.#wal).sync();
  }

  /**
   * Resolves once every commit made so far, through this runner or beside it on the same
   * database (the transparency logs' sequencers), is durable: SQLite fsyncs the WAL after the
   * flushes in flight; a PostgreSQL commit is durable already. Rejects when the flush fails.
   */
  flush(): Promise<void> {
    const done = this.#flushed.then(() => this.#syncWal());
    this.#flushed = done.catch(() => {});
    return done;
  }

  /** Closes the WAL handle (the database connection is closed by its owner). */
  async close(): Promise<void> {
    await this.#flushed;
    const wal = this.#wal;
    this.#wal = undefined;
    if (wal) await (await wal).close();
  }

  run<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    if (this.dialect === 'postgres') return this.db.transaction().execute(work);
    return this.#enqueue(work);
  }

  /**
   * Runs a transaction that another connection of this process commits (the accept writer
   * thread's, ADR 13), in turn with this runner's own: while it runs, this connection does not
   * write, so the two never wait on SQLite's write lock; and it is answered only once the WAL is
   * fsynced, like every other. On PostgreSQL it just runs.
   */
  runElsewhere<T>(commit: () => Promise<T>): Promise<T> {
    if (this.dialect === 'postgres') return commit();
    return this.#enqueue({ elsewhere: commit });
  }

  #enqueue<T>(work: Queued['work']): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (!this.#draining) {
        this.#draining = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  /** The next group: one transaction committed elsewhere, or up to `maxGroup` of this connection's. */
  #nextGroup(): Queued[] {
    if (typeof this.#queue[0]!.work !== 'function') return this.#queue.splice(0, 1);
    let n = 1;
    while (n < this.#queue.length && n < this.maxGroup && typeof this.#queue[n]!.work === 'function') n++;
    return this.#queue.splice(0, n);
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const group = this.#nextGroup();
      let results: Result[];
      // Taken for batches committed on the writer thread too: its connection is a writer as well.
      await this.writeLock?.acquire();
      try {
        results = await this.#commit(group);
      } catch (error) {
        // The commit failed (here or elsewhere): nothing of this group is on disk.
        for (const item of group) item.reject(error);
        continue;
      } finally {
        this.writeLock?.release();
      }
      // Pipelined: the next group commits while this one's flush runs. Flushes are chained, and
      // each flush covers every frame written before it, so groups are answered in order.
      this.#flushed = this.#flushed.then(() => this.#syncWal());
      void this.#flushed.then(
        () =>
          group.forEach((item, i) => {
            const r = results[i]!;
            if (r.ok) item.resolve(r.value);
            else item.reject(r.error);
          }),
        // The flush failed: nothing of this group may be reported durable.
        (error: unknown) => group.forEach((item) => item.reject(error)),
      );
      this.#flushed = this.#flushed.catch(() => {});
    }
    this.#draining = false;
  }

  /** Commits one group, each of this connection's transactions in its own savepoint. */
  async #commit(group: readonly Queued[]): Promise<Result[]> {
    const first = group[0]!.work;
    if (typeof first !== 'function') return [{ ok: true, value: await first.elsewhere() }];
    const results: Result[] = [];
    await this.db.transaction().execute(async (trx) => {
      for (const item of group) {
        await sql`savepoint herald_item`.execute(trx);
        try {
          results.push({ ok: true, value: await (item.work as Work)(trx) });
          await sql`release savepoint herald_item`.execute(trx);
        } catch (error) {
          await sql`rollback to savepoint herald_item`.execute(trx);
          await sql`release savepoint herald_item`.execute(trx);
          results.push({ ok: false, error });
        }
      }
    });
    return results;
  }
}
