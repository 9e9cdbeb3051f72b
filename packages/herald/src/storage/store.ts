import { ContactStore } from '../contacts/contact-store.ts';
import { connect, migrate, type Connection } from './connect.ts';
import { DeliveryStore } from './delivery-store.ts';
import { DeviceStore } from './device-store.ts';
import { JobStore } from './job-store.ts';
import { MessageStore } from './message-store.ts';
import { TenantStore } from './tenant-store.ts';
import type { ThreadWriteLock } from './thread-write-lock.ts';
import { TransactionRunner } from './transaction-runner.ts';
import { AcceptWriter } from './accept-writer.ts';
import { WebhookStore } from './webhook-store.ts';

/**
 * Everything Herald keeps, behind one object. The same code runs on SQLite and PostgreSQL; the
 * storage contract suite runs against both.
 */
export class Store {
  readonly tenants: TenantStore;
  readonly messages: MessageStore;
  readonly delivery: DeliveryStore;
  readonly jobs: JobStore;
  readonly webhooks: WebhookStore;
  readonly devices: DeviceStore;
  readonly contacts: ContactStore;
  /** Runs a transaction (grouped with others into one commit on SQLite). */
  readonly tx: TransactionRunner;

  readonly #writer: AcceptWriter | undefined;

  private constructor(
    readonly conn: Connection,
    url: string,
    writeLock?: ThreadWriteLock,
  ) {
    const tx = new TransactionRunner(conn.db, conn.dialect, conn.walPath, undefined, writeLock);
    this.tx = tx;
    // A SQLite file's accept batches run on the writer thread (ADR 13); in memory there is no
    // second connection to the same database.
    this.#writer = conn.walPath ? new AcceptWriter(url) : undefined;
    this.tenants = new TenantStore(conn.db);
    this.messages = new MessageStore(conn.db, tx, conn.dialect, conn.sqlite, this.#writer);
    this.delivery = new DeliveryStore(conn.db, tx, conn.dialect);
    this.jobs = new JobStore(conn.db, conn.dialect, tx);
    this.webhooks = new WebhookStore(conn.db, tx);
    this.devices = new DeviceStore(conn.db);
    this.contacts = new ContactStore(conn.db);
  }

  /**
   * Opens and migrates the database at `url`. `writeLock`: on SQLite, taken around every
   * transaction, shared with the other threads of this process that open the same file.
   */
  static async open(
    url: string,
    opts: { poolSize?: number; writeLock?: ThreadWriteLock } = {},
  ): Promise<Store> {
    const conn = connect(url, opts);
    await migrate(conn);
    return new Store(conn, url, conn.dialect === 'sqlite' ? opts.writeLock : undefined);
  }

  get dialect() {
    return this.conn.dialect;
  }

  /** A trivial query, for `/readyz`. */
  async ping(): Promise<void> {
    await this.conn.db.selectFrom('tenants').select('id').limit(1).execute();
  }

  async close(): Promise<void> {
    await this.tx.close();
    await this.#writer?.close();
    await this.conn.close();
  }
}
