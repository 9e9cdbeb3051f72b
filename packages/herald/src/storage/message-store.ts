import type { Kysely, Selectable } from 'kysely';
import type { MessageStatus } from '../delivery/message-status.ts';
import type { MessageId } from '../ids.ts';
import type { Decision } from '../policy/decision.ts';
import type { AttemptsTable, Database, MessageEventsTable, MessagesTable, ReceiptsTable } from './schema.ts';
import type { Database as BetterSqlite } from 'better-sqlite3';
import { writeAcceptRows, type AcceptOutcome, type AcceptRow } from './accept-rows.ts';
import type { AcceptWriter } from './accept-writer.ts';
import type { DialectName } from './connect.ts';
import type { TransactionRunner } from './transaction-runner.ts';

export type MessageRow = Selectable<MessagesTable>;
export type AttemptRow = Selectable<AttemptsTable>;
export type EventRow = Selectable<MessageEventsTable>;
export type ReceiptRow = Selectable<ReceiptsTable>;

/** A message ready to be stored by the accept path. */
export interface NewMessage {
  readonly id: MessageId;
  readonly tenantId: string;
  readonly apiKeyId: string;
  readonly recipient: string;
  readonly recipientKind: string;
  readonly classification: string;
  readonly retention: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Sealed content; null when the message will not be sent (blocked), so nothing is kept. */
  readonly sealedContent: string | null;
  readonly decision: Decision;
  readonly status: MessageStatus;
  readonly idempotencyKey?: string;
  readonly requestHash?: string;
  readonly expiresAt: number | null;
  readonly createdAt: number;
}

export type { AcceptOutcome };

export interface ListFilter {
  readonly status?: string;
  readonly since?: number;
  readonly until?: number;
  readonly after?: { readonly createdAt: number; readonly id: string };
  readonly limit: number;
}

/** Messages, their timeline (events, attempts, receipts) and every state change. */
export class MessageStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tx: TransactionRunner,
    private readonly dialect: DialectName,
    private readonly raw?: BetterSqlite,
    /** The writer thread for this SQLite file (ADR 13); absent: batches run on the event loop. */
    private readonly writer?: AcceptWriter,
  ) {}

  /**
   * Stores a batch of accepted messages in one transaction: the message, its sealed content,
   * its first timeline event, its outbox job and its idempotency key commit together or not at
   * all. Many messages per commit is what makes a durable 202 cheap. The promise settles once
   * the commit is durable; `onCommitted` is called earlier, when the batch is written (and the
   * next one may start), before the WAL flush.
   */
  async acceptBatch(items: readonly NewMessage[], onCommitted?: () => void): Promise<AcceptOutcome[]> {
    // The decision as stored (its lazy trace expanded), taken here: the writer thread gets data.
    const rows: AcceptRow[] = items.map((m) => ({ ...m, decisionJson: JSON.stringify(m.decision) }));
    const writer = this.writer;
    if (writer)
      return this.tx.runElsewhere(async () => {
        const outcomes = await writer.write(rows);
        onCommitted?.();
        return outcomes;
      });
    return this.tx.run(async (trx) => {
      const outcomes = await writeAcceptRows(trx, this.dialect, rows, this.raw);
      onCommitted?.();
      return outcomes;
    });
  }

  /** Readies the accept path (starts the writer thread, where there is one) before traffic. */
  async prepareAccept(): Promise<void> {
    await this.writer?.open();
  }

  /** A tenant's message; another tenant's id reads as not found. */
  async get(tenantId: string, id: string): Promise<MessageRow | undefined> {
    return this.db
      .selectFrom('messages')
      .selectAll()
      .where('id', '=', id)
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
  }

  async timeline(
    id: string,
  ): Promise<{ events: EventRow[]; attempts: AttemptRow[]; receipts: ReceiptRow[] }> {
    const [events, attempts, receipts] = await Promise.all([
      this.db.selectFrom('message_events').selectAll().where('message_id', '=', id).orderBy('id').execute(),
      this.db.selectFrom('attempts').selectAll().where('message_id', '=', id).orderBy('started_at').execute(),
      this.db.selectFrom('receipts').selectAll().where('message_id', '=', id).orderBy('id').execute(),
    ]);
    return { events, attempts, receipts };
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  async list(tenantId: string, f: ListFilter): Promise<MessageRow[]> {
    let q = this.db.selectFrom('messages').selectAll().where('tenant_id', '=', tenantId);
    if (f.status !== undefined) q = q.where('status', '=', f.status);
    if (f.since !== undefined) q = q.where('created_at', '>=', f.since);
    if (f.until !== undefined) q = q.where('created_at', '<', f.until);
    if (f.after) {
      const { createdAt, id } = f.after;
      q = q.where((eb) =>
        eb.or([
          eb('created_at', '<', createdAt),
          eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)]),
        ]),
      );
    }
    return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
  }

  /** The message and its sealed content, for the worker (no tenant check: jobs carry no input). */
  async loadForSend(id: string): Promise<{ message: MessageRow; sealed: string | undefined } | undefined> {
    const message = await this.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
    if (!message) return undefined;
    const c = await this.db
      .selectFrom('message_content')
      .select('sealed')
      .where('message_id', '=', id)
      .executeTakeFirst();
    return { message, sealed: c?.sealed };
  }
}
