import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Receipt } from '../channels/channel-adapter.ts';
import { isFinal, type MessageStatus } from '../delivery/message-status.ts';
import { newJobId, type MessageId } from '../ids.ts';
import type { Decision } from '../policy/decision.ts';
import type { AttemptsTable, Database, MessageEventsTable, MessagesTable, ReceiptsTable } from './schema.ts';
import type { DialectName } from './connect.ts';
import { insertRows } from './insert-rows.ts';
import type { TransactionRunner } from './transaction-runner.ts';
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

type Tx = Transaction<Database>;

/** Messages, their timeline (events, attempts, receipts) and every state change. */
export class MessageStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tx: TransactionRunner,
    private readonly dialect: DialectName,
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
      );
      const sealed = fresh.filter((m) => m.sealedContent !== null);
      if (sealed.length > 0) {
        await insertRows(
          trx,
          this.dialect,
          'message_content',
          sealed.map((m) => ({ message_id: m.id, sealed: m.sealedContent! })),
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
      );
      const sendable = fresh.filter((m) => m.status === 'accepted');
      if (sendable.length > 0) {
        await insertRows(
          trx,
          this.dialect,
          'jobs',
          sendable.map((m) => job('send', m.id, m.tenantId, m.createdAt)),
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
        await insertRows(trx, this.dialect, 'idempotency_keys', rows);
      }
      for (const m of fresh) {
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

  /**
   * Records that a send is about to start. Committed before the provider is called, so after a
   * crash the timeline shows that an earlier attempt's outcome is unknown.
   */
  async startAttempt(
    m: MessageRow,
    a: Omit<AttemptRow, 'status' | 'error_code' | 'finished_at' | 'provider_message_id'>,
  ) {
    await this.tx.run(async (trx) => {
      const stale = await trx
        .updateTable('attempts')
        .set({ status: 'unknown', finished_at: a.started_at })
        .where('message_id', '=', m.id)
        .where('status', '=', 'sending')
        .executeTakeFirst();
      if (stale.numUpdatedRows > 0n) {
        await event(
          trx,
          m,
          'attempt_unknown',
          null,
          { reason: 'the worker stopped during an earlier send' },
          a.started_at,
        );
      }
      await trx
        .insertInto('attempts')
        .values({ ...a, status: 'sending', provider_message_id: null, error_code: null, finished_at: null })
        .execute();
      await event(
        trx,
        m,
        'attempt',
        null,
        { attempt: a.id, channel: a.channel, tier: a.tier, content: a.content_kind },
        a.started_at,
      );
      if (m.status === 'accepted') await setStatus(trx, m, 'sending', {}, a.started_at);
    });
  }

  /**
   * The provider took the message: the send job becomes the message's deadline timer, and any
   * receipt that raced ahead of this commit is applied now.
   */
  async attemptAccepted(m: MessageRow, attemptId: string, providerId: string, jobId: string, now: number) {
    const orphans = await this.tx.run(async (trx) => {
      await trx
        .updateTable('attempts')
        .set({ status: 'accepted', provider_message_id: providerId })
        .where('id', '=', attemptId)
        .execute();
      const fresh = await current(trx, m.id);
      if (!isFinal(fresh.status)) {
        await setStatus(trx, fresh, 'sent', { attempt: attemptId, providerMessageId: providerId }, now);
      }
      const deadline = fresh.expires_at ?? now + DEFAULT_RECEIPT_WAIT_MS;
      await trx
        .updateTable('jobs')
        .set({ kind: 'deadline', run_at: deadline, lease_owner: null, lease_until: null })
        .where('id', '=', jobId)
        .execute();
      const attempt = await trx
        .selectFrom('attempts')
        .select('channel')
        .where('id', '=', attemptId)
        .executeTakeFirstOrThrow();
      return trx
        .selectFrom('receipts')
        .selectAll()
        .where('channel', '=', attempt.channel)
        .where('provider_message_id', '=', providerId)
        .where('message_id', 'is', null)
        .orderBy('id')
        .execute();
    });
    for (const r of orphans) await this.applyReceiptRow(r, now);
  }

  /** A send failed. `retryAt` puts the job back; otherwise the message ends as `failed`. */
  async attemptFailed(
    m: MessageRow,
    attemptId: string,
    error: { code: string; retryable: boolean },
    jobId: string,
    retryAt: number | undefined,
    attempts: number,
    now: number,
  ) {
    await this.tx.run(async (trx) => {
      await trx
        .updateTable('attempts')
        .set({ status: 'failed', error_code: error.code, finished_at: now })
        .where('id', '=', attemptId)
        .execute();
      await event(
        trx,
        m,
        'attempt_failed',
        null,
        { attempt: attemptId, code: error.code, retryable: error.retryable, nextTry: retryAt ?? null },
        now,
      );
      if (retryAt !== undefined) {
        await trx
          .updateTable('jobs')
          .set({ run_at: retryAt, attempts, lease_owner: null, lease_until: null })
          .where('id', '=', jobId)
          .execute();
      } else {
        const fresh = await current(trx, m.id);
        await setStatus(trx, fresh, 'failed', { code: error.code, attempts }, now);
      }
    });
  }

  /** Ends a message that is not final yet (deadline reached, or content missing). */
  async finish(id: string, status: MessageStatus, data: Record<string, unknown>, now: number): Promise<void> {
    await this.tx.run(async (trx) => {
      const m = await current(trx, id);
      if (!isFinal(m.status)) await setStatus(trx, m, status, data, now);
    });
  }

  /**
   * Records a provider receipt exactly once (de-duplicated on channel, provider id and status)
   * and applies it. Returns false for a duplicate.
   */
  async recordReceipt(r: Receipt, now = Date.now()): Promise<boolean> {
    const row = await this.tx.run(async (trx) => {
      const dup = await trx
        .selectFrom('receipts')
        .select('id')
        .where('channel', '=', r.channel)
        .where('provider_message_id', '=', r.providerMessageId)
        .where('status', '=', r.status)
        .executeTakeFirst();
      if (dup) return undefined;
      return trx
        .insertInto('receipts')
        .values({
          channel: r.channel,
          provider_message_id: r.providerMessageId,
          status: r.status,
          provider_status: r.providerStatus,
          error_code: r.errorCode ?? null,
          message_id: null,
          at: r.at.getTime(),
          received_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    });
    if (!row) return false;
    await this.applyReceiptRow(row, now);
    return true;
  }

  /** Links a receipt to its attempt and moves the message on; no-op if the attempt is not known yet. */
  private async applyReceiptRow(r: ReceiptRow, now: number): Promise<void> {
    await this.tx.run(async (trx) => {
      const attempt = await trx
        .selectFrom('attempts')
        .selectAll()
        .where('channel', '=', r.channel)
        .where('provider_message_id', '=', r.provider_message_id)
        .executeTakeFirst();
      if (!attempt) return; // stays an orphan until attemptAccepted links it
      const linked = await trx
        .updateTable('receipts')
        .set({ message_id: attempt.message_id })
        .where('id', '=', r.id)
        .where('message_id', 'is', null)
        .executeTakeFirst();
      if (linked.numUpdatedRows === 0n) return; // another path applied it
      await trx
        .updateTable('attempts')
        .set({ status: r.status, finished_at: r.at, error_code: r.error_code })
        .where('id', '=', attempt.id)
        .execute();
      const m = await current(trx, attempt.message_id);
      const data = { attempt: attempt.id, providerStatus: r.provider_status, errorCode: r.error_code };
      await event(trx, m, 'receipt', r.status, data, now);
      const next = RECEIPT_TO_STATUS[r.status];
      // A late receipt for a message already final stays on the timeline only.
      if (next && !isFinal(m.status)) await setStatus(trx, m, next, data, now);
    });
  }
}

/** How long to wait for a receipt when the message has no TTL of its own. */
export const DEFAULT_RECEIPT_WAIT_MS = 48 * 3600_000;

const RECEIPT_TO_STATUS: Readonly<Record<string, MessageStatus>> = {
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'undelivered',
  expired: 'expired',
  rejected: 'failed',
  failed: 'failed',
};

function job(kind: string, ref: string, tenantId: string, now: number) {
  return {
    id: newJobId(),
    kind,
    ref,
    tenant_id: tenantId,
    run_at: now,
    attempts: 0,
    lease_owner: null,
    lease_until: null,
    created_at: now,
  };
}

function statusEvent(id: string, status: string, data: Record<string, unknown>) {
  return { type: `message.${status}`, data: { id, status, ...data } };
}

async function current(trx: Tx, id: string): Promise<MessageRow> {
  return trx.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function event(
  trx: Tx,
  m: MessageRow,
  type: string,
  status: string | null,
  data: Record<string, unknown>,
  at: number,
) {
  await trx
    .insertInto('message_events')
    .values({ message_id: m.id, tenant_id: m.tenant_id, type, status, data: JSON.stringify(data), at })
    .execute();
}

/**
 * Moves a message to a new status with its timeline event and customer webhooks. Reaching a
 * final status destroys the sealed content (it is no longer needed) and any pending timer.
 */
async function setStatus(
  trx: Tx,
  m: MessageRow,
  status: MessageStatus,
  data: Record<string, unknown>,
  now: number,
) {
  await trx.updateTable('messages').set({ status, updated_at: now }).where('id', '=', m.id).execute();
  await event(trx, m, 'status', status, data, now);
  await enqueueWebhooks(trx, m.tenant_id, statusEvent(m.id, status, data), now);
  if (isFinal(status)) {
    await trx.deleteFrom('message_content').where('message_id', '=', m.id).execute();
    await trx.deleteFrom('jobs').where('ref', '=', m.id).where('kind', '=', 'deadline').execute();
  }
}
