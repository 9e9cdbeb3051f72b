import { open, type FileHandle } from 'node:fs/promises';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DialectName } from './connect.ts';
import type { Database } from './schema.ts';

type Work = (trx: Transaction<Database>) => Promise<unknown>;

interface Queued {
  readonly work: Work;
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
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (!this.#draining) {
        this.#draining = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const group = this.#queue.splice(0, this.maxGroup);
      const results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
      try {
        await this.db.transaction().execute(async (trx) => {
          for (const item of group) {
            await sql`savepoint herald_item`.execute(trx);
            try {
              results.push({ ok: true, value: await item.work(trx) });
              await sql`release savepoint herald_item`.execute(trx);
            } catch (error) {
              await sql`rollback to savepoint herald_item`.execute(trx);
              await sql`release savepoint herald_item`.execute(trx);
              results.push({ ok: false, error });
            }
          }
        });
      } catch (error) {
        // The commit failed: nothing of this group is on disk.
        for (const item of group) item.reject(error);
        continue;
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
}
