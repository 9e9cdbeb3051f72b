import type { Kysely, Selectable } from 'kysely';
import type { MessageStatus } from '../delivery/message-status.ts';
import type { MessageId } from '../ids.ts';
import type { Decision } from '../policy/decision.ts';
import type { AttemptsTable, Database, MessageEventsTable, MessagesTable, ReceiptsTable } from './schema.ts';
import type { Database as BetterSqlite } from 'better-sqlite3';
import { recordAudit } from '../audit/audit-log.ts';
import type { DialectName } from './connect.ts';
import { insertRows } from './insert-rows.ts';
import { newJobRow } from './job-store.ts';
import type { TransactionRunner } from './transaction-runner.ts';
import { statusEvent } from './message-transitions.ts';
import { enqueueWebhooks } from './webhook-store.ts';

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

/** What happened to one message of a batch (a value per item, like Kysely's MigrationResultSet). */
export type AcceptOutcome =
  | { readonly kind: 'created' }
  | { readonly kind: 'replay'; readonly messageId: string }
  | { readonly kind: 'conflict' };

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
  ) {}

  /**
   * Stores a batch of accepted messages in one transaction: the message, its sealed content,
   * its first timeline event, its outbox job and its idempotency key commit together or not at
   * all. Many messages per commit is what makes a durable 202 cheap.
   */
  async acceptBatch(items: readonly NewMessage[]): Promise<AcceptOutcome[]> {
    return this.tx.run(async (trx) => {
      const outcomes: AcceptOutcome[] = items.map(() => ({ kind: 'created' }));
      const keyed = items.filter((m) => m.idempotencyKey !== undefined);
      if (keyed.length > 0) {
        const existing = await trx
          .selectFrom('idempotency_keys')
          .selectAll()
          .where((eb) =>
            eb.or(
              keyed.map((m) => eb.and([eb('tenant_id', '=', m.tenantId), eb('key', '=', m.idempotencyKey!)])),
            ),
          )
          .execute();
        const byKey = new Map(existing.map((e) => [`${e.tenant_id}\n${e.key}`, e]));
        items.forEach((m, i) => {
          if (m.idempotencyKey === undefined) return;
          const prior = byKey.get(`${m.tenantId}\n${m.idempotencyKey}`);
          if (!prior) return;
          outcomes[i] =
            prior.request_hash === m.requestHash
              ? { kind: 'replay', messageId: prior.message_id }
              : { kind: 'conflict' };
        });
      }
      const fresh = items.filter((_, i) => outcomes[i]!.kind === 'created');
      if (fresh.length === 0) return outcomes;

      await insertRows(
        trx,
        this.dialect,
        'messages',
        fresh.map((m) => ({
          id: m.id,
          tenant_id: m.tenantId,
          api_key_id: m.apiKeyId,
          recipient: m.recipient,
          recipient_kind: m.recipientKind,
          classification: m.classification,
          retention: m.retention,
          labels: JSON.stringify(m.labels),
          status: m.status,
          outcome: m.decision.outcome,
          decision: JSON.stringify(m.decision),
          route_step: 0,
          idempotency_key: m.idempotencyKey ?? null,
          expires_at: m.expiresAt,
          created_at: m.createdAt,
          updated_at: m.createdAt,
        })),
        this.raw,
      );
      const sealed = fresh.filter((m) => m.sealedContent !== null);
      if (sealed.length > 0) {
        await insertRows(
          trx,
          this.dialect,
          'message_content',
          sealed.map((m) => ({ message_id: m.id, sealed: m.sealedContent! })),
          this.raw,
        );
      }
      await insertRows(
        trx,
        this.dialect,
        'message_events',
        fresh.map((m) => ({
          message_id: m.id,
          tenant_id: m.tenantId,
          type: 'status',
          status: m.status,
          data: JSON.stringify({ rule: m.decision.rule, policyVersion: m.decision.policyVersion }),
          at: m.createdAt,
        })),
        this.raw,
      );
      const sendable = fresh.filter((m) => m.status === 'accepted');
      if (sendable.length > 0) {
        await insertRows(
          trx,
          this.dialect,
          'jobs',
          sendable.map((m) => newJobRow('send', m.id, m.tenantId, m.createdAt)),
          this.raw,
        );
      }
      if (keyed.length > 0) {
        const rows = fresh
          .filter((m) => m.idempotencyKey !== undefined)
          .map((m) => ({
            tenant_id: m.tenantId,
            key: m.idempotencyKey!,
            request_hash: m.requestHash ?? '',
            message_id: m.id,
            created_at: m.createdAt,
          }));
        await insertRows(trx, this.dialect, 'idempotency_keys', rows, this.raw);
      }
      for (const m of fresh) {
        if (m.status === 'blocked' || m.status === 'escalated') {
          await recordAudit(
            trx,
            {
              actor: { id: `policy:${m.decision.policyVersion}`, role: 'policy' },
              action: m.status === 'blocked' ? 'message.blocked' : 'message.escalated',
              target: m.id,
              tenantId: m.tenantId,
              details: { rule: m.decision.rule, reason: m.decision.reasons[0] ?? null },
            },
            m.createdAt,
          );
        }
        if (m.status !== 'accepted') {
          await enqueueWebhooks(
            trx,
            m.tenantId,
            statusEvent(m.id, m.status, { reasons: m.decision.reasons }),
            m.createdAt,
          );
        }
      }
      return outcomes;
    });
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
