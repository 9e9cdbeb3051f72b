import type { Database as BetterSqlite } from 'better-sqlite3';
import type { Transaction } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { MessageStatus } from '../delivery/message-status.ts';
import type { Decision } from '../policy/decision.ts';
import type { DialectName } from './connect.ts';
import { insertRows } from './insert-rows.ts';
import { newJobRow } from './job-store.ts';
import { statusEvent } from './message-transitions.ts';
import type { Database } from './schema.ts';
import { enqueueWebhooks } from './webhook-store.ts';

/**
 * A message as the accept batch writes it: plain data only (it may cross to the writer thread,
 * which cannot call the policy's lazy trace getter), with the stored decision already as JSON.
 */
export interface AcceptRow {
  readonly id: string;
  readonly tenantId: string;
  readonly apiKeyId: string;
  readonly recipient: string;
  readonly recipientKind: string;
  readonly classification: string;
  readonly retention: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly sealedContent: string | null;
  /** What the rows need of the decision; `decisionJson` is the whole of it, trace included. */
  readonly decision: Pick<Decision, 'outcome' | 'rule' | 'policyVersion' | 'reasons'>;
  readonly decisionJson: string;
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

/**
 * Writes a batch of accepted messages inside the caller's transaction: the message, its sealed
 * content, its first timeline event, its outbox job and its idempotency key, and for a blocked
 * or escalated message its audit entry and webhook deliveries. Runs on the event loop's
 * connection (PostgreSQL, in-memory SQLite) or on the accept writer thread's own connection.
 */
export async function writeAcceptRows(
  trx: Transaction<Database>,
  dialect: DialectName,
  items: readonly AcceptRow[],
  raw?: BetterSqlite,
): Promise<AcceptOutcome[]> {
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
    dialect,
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
      decision: m.decisionJson,
      route_step: 0,
      idempotency_key: m.idempotencyKey ?? null,
      expires_at: m.expiresAt,
      created_at: m.createdAt,
      updated_at: m.createdAt,
    })),
    raw,
  );
  const sealed = fresh.filter((m) => m.sealedContent !== null);
  if (sealed.length > 0) {
    await insertRows(
      trx,
      dialect,
      'message_content',
      sealed.map((m) => ({ message_id: m.id, sealed: m.sealedContent! })),
      raw,
    );
  }
  await insertRows(
    trx,
    dialect,
    'message_events',
    fresh.map((m) => ({
      message_id: m.id,
      tenant_id: m.tenantId,
      type: 'status',
      status: m.status,
      data: JSON.stringify({ rule: m.decision.rule, policyVersion: m.decision.policyVersion }),
      at: m.createdAt,
    })),
    raw,
  );
  const sendable = fresh.filter((m) => m.status === 'accepted');
  if (sendable.length > 0) {
    await insertRows(
      trx,
      dialect,
      'jobs',
      sendable.map((m) => newJobRow('send', m.id, m.tenantId, m.createdAt)),
      raw,
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
    await insertRows(trx, dialect, 'idempotency_keys', rows, raw);
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
}
