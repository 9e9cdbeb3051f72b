import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { newWebhookId, type TenantId } from '../ids.ts';
import { wantsEvent } from '../webhooks/webhook-events.ts';
import { newJobRow, settleJob } from './job-store.ts';
import type { Database, WebhookDeliveriesTable, WebhookEndpointsTable } from './schema.ts';
import type { TransactionRunner } from './transaction-runner.ts';

export interface WebhookEndpoint {
  readonly id: string;
  readonly tenantId: TenantId;
  readonly url: string;
  readonly secretSealed: string;
  /** The event types it receives; null for every event. */
  readonly events: readonly string[] | null;
  readonly createdAt: number;
}

export type WebhookDelivery = Selectable<WebhookDeliveriesTable>;

/** A customer-facing event: a type and metadata only, never message content. */
export interface WebhookEvent {
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
}

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Queues one delivery per active endpoint of the tenant that subscribes to the event's type, in
 * the caller's transaction, so an event is queued if and only if the state change that caused it
 * commits. An event nobody subscribes to costs one read and writes nothing.
 */
export async function enqueueWebhooks(
  trx: Db,
  tenantId: string,
  event: WebhookEvent,
  now: number,
): Promise<void> {
  // Fixed SQL text: every status change of every message runs these (see message-transitions.ts).
  const { rows } = await sql<{ id: string; events: string | null }>`select id, events
    from webhook_endpoints where tenant_id = ${tenantId} and disabled_at is null`.execute(trx);
  const endpoints = rows.filter((e) => wantsEvent(eventFilter(e.events), event.type));
  if (endpoints.length === 0) return;
  const deliveries = endpoints.map((e) => {
    const id = newWebhookId().replace(/^whk_/, 'evt_');
    return {
      id,
      tenant_id: tenantId,
      endpoint_id: e.id,
      event_type: event.type,
      // Standard Webhooks payload shape: { type, timestamp, data }.
      payload: JSON.stringify({ type: event.type, timestamp: new Date(now).toISOString(), data: event.data }),
      status: 'pending',
      attempts: 0,
      last_status_code: null,
      created_at: now,
      delivered_at: null,
    };
  });
  for (const d of deliveries) {
    const j = newJobRow('webhook', d.id, tenantId, now);
    await sql`insert into webhook_deliveries
      (id, tenant_id, endpoint_id, event_type, payload, status, attempts, last_status_code, created_at, delivered_at)
      values (${d.id}, ${d.tenant_id}, ${d.endpoint_id}, ${d.event_type}, ${d.payload}, 'pending', 0, null, ${now}, null)`.execute(
      trx,
    );
    await sql`insert into jobs (id, kind, ref, tenant_id, data, run_at, attempts, lease_owner, lease_until, created_at)
      values (${j.id}, 'webhook', ${j.ref}, ${tenantId}, null, ${now}, 0, null, null, ${now})`.execute(trx);
  }
}

function eventFilter(stored: string | null): string[] | null {
  return stored === null ? null : (JSON.parse(stored) as string[]);
}

function toEndpoint(r: Selectable<WebhookEndpointsTable>): WebhookEndpoint {
  return {
    id: r.id,
    tenantId: r.tenant_id as TenantId,
    url: r.url,
    secretSealed: r.secret_sealed,
    events: eventFilter(r.events),
    createdAt: r.created_at,
  };
}

/** Webhook endpoints and the record of every delivery. */
export class WebhookStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tx: TransactionRunner,
  ) {}

  /** `events`: the event types the endpoint receives (already validated), null for all. */
  async createEndpoint(
    tenantId: TenantId,
    url: string,
    secretSealed: string,
    id: string,
    events: readonly string[] | null = null,
    now = Date.now(),
  ) {
    await this.db
      .insertInto('webhook_endpoints')
      .values({
        id,
        tenant_id: tenantId,
        url,
        secret_sealed: secretSealed,
        events: events === null ? null : JSON.stringify(events),
        created_at: now,
        disabled_at: null,
      })
      .execute();
  }

  async listEndpoints(tenantId: TenantId): Promise<WebhookEndpoint[]> {
    const rows = await this.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('disabled_at', 'is', null)
      .orderBy('created_at')
      .execute();
    return rows.map(toEndpoint);
  }

  async getEndpoint(id: string): Promise<WebhookEndpoint | undefined> {
    const r = await this.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return r && toEndpoint(r);
  }

  async disableEndpoint(tenantId: TenantId, id: string, now = Date.now()): Promise<boolean> {
    const r = await this.db
      .updateTable('webhook_endpoints')
      .set({ disabled_at: now })
      .where('id', '=', id)
      .where('tenant_id', '=', tenantId)
      .where('disabled_at', 'is', null)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async getDelivery(id: string): Promise<WebhookDelivery | undefined> {
    const { rows } = await sql<WebhookDelivery>`select * from webhook_deliveries where id = ${id}`.execute(
      this.db,
    );
    return rows[0];
  }

  async listDeliveries(tenantId: TenantId, limit = 100): Promise<WebhookDelivery[]> {
    return this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
  }

  /**
   * Records one try of a delivery and settles its outbox job in the same commit: the job is
   * deleted, or with `retry` due again later. Without `result` (the delivery or its endpoint is
   * gone) only the job is settled.
   */
  async settleDelivery(
    id: string,
    result: { status: 'delivered' | 'pending' | 'failed'; statusCode: number | null } | undefined,
    job: { readonly id: string; readonly owner: string },
    retry?: { readonly runAt: number; readonly attempts: number },
    now = Date.now(),
  ): Promise<void> {
    await this.tx.run(async (trx) => {
      if (result !== undefined) {
        const deliveredAt = result.status === 'delivered' ? now : null;
        await sql`update webhook_deliveries set status = ${result.status}, attempts = attempts + 1,
          last_status_code = ${result.statusCode}, delivered_at = ${deliveredAt}
          where id = ${id}`.execute(trx);
      }
      await settleJob(trx, job.id, job.owner, retry);
    });
  }

  /** Queues an existing delivery again (replay), whatever its state. */
  async replay(tenantId: TenantId, id: string, now = Date.now()): Promise<boolean> {
    return this.tx.run(async (trx) => {
      const r = await trx
        .updateTable('webhook_deliveries')
        .set({ status: 'pending' })
        .where('id', '=', id)
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst();
      if (r.numUpdatedRows === 0n) return false;
      await trx
        .insertInto('jobs')
        .values(newJobRow('webhook', id, tenantId, now))
        .execute();
      return true;
    });
  }
}
