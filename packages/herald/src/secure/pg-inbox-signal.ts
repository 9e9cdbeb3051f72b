import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { Database } from '../storage/schema.ts';
import type { Queued } from './inbox-store.ts';
import { InboxListeners, type InboxListener, type InboxSignal } from './inbox-signal.ts';

/** The PostgreSQL notification channel; payloads are `<deviceId> <seq>` (metadata only). */
export const INBOX_CHANNEL = 'herald_inbox';

/** What this signal logs: codes, never payloads. */
export interface SignalLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Inbox announcements across processes sharing one PostgreSQL database: every process LISTENs
 * on one dedicated connection, and a process that queued items NOTIFYs after its commit, so a
 * stream held by any process hears of items queued by any other. The listening connection
 * reconnects after a failure (announcements during the gap are lost; streams' periodic re-read
 * covers them).
 */
export class PgInboxSignal implements InboxSignal {
  readonly #listeners = new InboxListeners();
  #client: pg.Client | undefined;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;

  private constructor(
    private readonly db: Kysely<Database>,
    private readonly url: string,
    private readonly log: SignalLogger,
  ) {}

  /** Connects the listening connection; resolves once LISTEN is in place. */
  static async open(db: Kysely<Database>, url: string, log: SignalLogger): Promise<PgInboxSignal> {
    const signal = new PgInboxSignal(db, url, log);
    await signal.#listen();
    return signal;
  }

  async #listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (n) => {
      if (n.channel !== INBOX_CHANNEL || n.payload === undefined) return;
      const at = n.payload.lastIndexOf(' ');
      const seq = Number(n.payload.slice(at + 1));
      if (at > 0 && Number.isSafeInteger(seq)) this.#listeners.emit(n.payload.slice(0, at), seq);
    });
    client.on('error', (err: Error & { code?: string }) => {
      this.log.warn({ code: err.code ?? err.name }, 'inbox signal connection failed; reconnecting');
      this.#reconnect(client);
    });
    client.on('end', () => this.#reconnect(client));
    await client.connect();
    await client.query(`LISTEN ${INBOX_CHANNEL}`);
    this.#client = client;
  }

  #reconnect(failed: pg.Client): void {
    if (this.#closed || this.#client !== failed) return;
    this.#client = undefined;
    failed.removeAllListeners('end');
    void failed.end().catch(() => {});
    const attempt = () => {
      this.#retry = undefined;
      if (this.#closed) return;
      this.#listen().catch(() => {
        this.#retry = setTimeout(attempt, 1000);
        this.#retry.unref();
      });
    };
    this.#retry = setTimeout(attempt, 100);
    this.#retry.unref();
  }

  async announce(queued: readonly Queued[]): Promise<void> {
    if (queued.length === 0) return;
    const payloads = queued.map((q) => `${q.deviceId} ${q.seq}`);
    await sql`select pg_notify(${INBOX_CHANNEL}, p) from unnest(${payloads}::text[]) as p`.execute(this.db);
  }

  subscribe(deviceId: string, listener: InboxListener): () => void {
    return this.#listeners.add(deviceId, listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
    }
  }
}
