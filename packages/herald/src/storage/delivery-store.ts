import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { DialectName } from './connect.ts';
import type { Receipt } from '../channels/channel-adapter.ts';
import { nextMove, type Move, type RouteEvent } from '../delivery/route-machine.ts';
import type { MessageStatus } from '../delivery/message-status.ts';
import type { Decision } from '../policy/decision.ts';
import type { AttemptRow, MessageRow, ReceiptRow } from './message-store.ts';
import {
  applyMove,
  current,
  event,
  finish,
  scheduleStepTimers,
  setStatus,
  type TimerData,
} from './message-transitions.ts';
import type { AttemptsTable, Database } from './schema.ts';
import { newJobRow } from './job-store.ts';
import type { TransactionRunner } from './transaction-runner.ts';

// The statements of startAttempt, attemptAccepted and recordReceipt run for every message: fixed
// SQL text through the `sql` tag, not the query builder (see message-transitions.ts).

/** The attempt a provider id belongs to, if the provider's acceptance is recorded. */
async function attemptFor(trx: Tx, channel: string, providerId: string): Promise<AttemptRow | undefined> {
  const { rows } = await sql<AttemptRow>`select * from attempts
    where channel = ${channel} and provider_message_id = ${providerId}`.execute(trx);
  return rows[0];
}

/** What the worker should do after a transition outside the database (e.g. revoke on RCS). */
export interface AfterMove {
  /** The attempt left behind by a fallback, for adapters that can revoke it. */
  readonly revoke?: { readonly channel: string; readonly providerMessageId: string };
}

type Tx = Transaction<Database>;

type NewAttempt = Omit<
  Selectable<AttemptsTable>,
  'status' | 'error_code' | 'finished_at' | 'provider_message_id'
>;

/**
 * Every state change after acceptance: attempts, receipts, timers and fallbacks, each in one
 * transaction, each decided by the pure route machine (`delivery/route-machine.ts`).
 */
export class DeliveryStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tx: TransactionRunner,
    private readonly dialect: DialectName,
  ) {}

  /**
   * Serialises the two writers that meet on one provider id: the worker recording that the
   * provider accepted a send, and a receipt for it (possibly in another process). Under
   * PostgreSQL's READ COMMITTED each could otherwise miss the other's uncommitted row and strand
   * the receipt. SQLite has one writer, so nothing is needed there.
   */
  async #lockProviderId(trx: Tx, channel: string, providerId: string): Promise<void> {
    if (this.dialect !== 'postgres') return;
    await sql`select pg_advisory_xact_lock(hashtext(${`${channel}\n${providerId}`}))`.execute(trx);
  }

  /**
   * Records that a send is about to start. Committed before the provider is called, so after a
   * crash the timeline shows that an earlier attempt's outcome is unknown.
   */
  async startAttempt(m: MessageRow, a: NewAttempt, worker: string): Promise<void> {
    await this.tx.run(async (trx) => {
      const stale = await sql`update attempts set status = 'unknown', finished_at = ${a.started_at}
        where message_id = ${m.id} and status = 'sending'`.execute(trx);
      if ((stale.numAffectedRows ?? 0n) > 0n) {
        await event(
          trx,
          m,
          'attempt_unknown',
          null,
          { reason: 'the worker stopped during an earlier send' },
          a.started_at,
        );
      }
      await sql`insert into attempts (id, message_id, tenant_id, step, channel, tier, content_kind,
          cost_micros, started_at, status, provider_message_id, error_code, finished_at)
        values (${a.id}, ${a.message_id}, ${a.tenant_id}, ${a.step}, ${a.channel}, ${a.tier},
          ${a.content_kind}, ${a.cost_micros}, ${a.started_at}, 'sending', null, null, null)`.execute(trx);
      await event(
        trx,
        m,
        'attempt',
        null,
        {
          attempt: a.id,
          step: a.step,
          channel: a.channel,
          tier: a.tier,
          content: a.content_kind,
          costMicros: a.cost_micros,
          worker,
        },
        a.started_at,
      );
      if (a.content_kind === 'notice') {
        // The recipient gets a content-free notice on this step, not the message: an exception on the record.
        await recordAudit(
          trx,
          {
            actor: { id: 'route', role: 'policy' },
            action: 'message.notice_instead_of_content',
            target: m.id,
            tenantId: m.tenant_id,
            details: { step: a.step, channel: a.channel, tier: a.tier },
          },
          a.started_at,
        );
      }
      if (m.status !== 'sending')
        await setStatus(trx, m, 'sending', { step: a.step, channel: a.channel }, a.started_at);
    });
  }

  /**
   * The provider took the message: the send job is done, the step's timers start, and any
   * receipt that raced ahead of this commit is applied now.
   */
  async attemptAccepted(
    m: MessageRow,
    attemptId: string,
    providerId: string,
    now: number,
  ): Promise<AfterMove> {
    return this.tx.run(async (trx) => {
      const [attempt] = (
        await sql<{ channel: string }>`select channel from attempts where id = ${attemptId}`.execute(trx)
      ).rows;
      if (attempt === undefined) throw new Error('no such attempt');
      const { channel } = attempt;
      await this.#lockProviderId(trx, channel, providerId);
      await sql`update attempts set status = 'accepted', provider_message_id = ${providerId}
        where id = ${attemptId}`.execute(trx);
      const fresh = await current(trx, m.id);
      if (fresh.finished_at !== null || fresh.route_step !== m.route_step) return {};
      await setStatus(trx, fresh, 'sent', { attempt: attemptId, providerMessageId: providerId }, now);
      // The send job is done: it becomes the step's first timer.
      await scheduleStepTimers(trx, fresh, now);
      // Receipts that raced ahead of this commit are applied in it, so a crash cannot strand them.
      const { rows: orphans } = await sql<ReceiptRow>`select * from receipts
        where channel = ${channel} and provider_message_id = ${providerId} and message_id is null
        order by id`.execute(trx);
      let after: AfterMove = {};
      for (const r of orphans) {
        const attempt = await attemptFor(trx, r.channel, r.provider_message_id);
        if (attempt) after = { ...after, ...(await this.#applyReceipt(trx, r, attempt, now)) };
      }
      return after;
    });
  }

  /**
   * A send failed. `retryAt` puts the job back; otherwise the step failed for good and the
   * route decides: fall back or finish.
   */
  async attemptFailed(
    m: MessageRow,
    attemptId: string,
    error: { code: string; retryable: boolean; unsupported?: boolean },
    jobId: string,
    retryAt: number | undefined,
    attempts: number,
    now: number,
  ): Promise<AfterMove> {
    return this.tx.run(async (trx) => {
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
        return {};
      }
      const fresh = await current(trx, m.id);
      const ev: RouteEvent = error.unsupported
        ? { kind: 'unsupported' }
        : { kind: 'failed', code: error.code };
      return this.#move(trx, fresh, ev, { attempt: attemptId, code: error.code, attempts }, now);
    });
  }

  /** Applies a route event to a message that is not finished (e.g. `unsupported` before sending). */
  async routeEvent(
    id: string,
    ev: RouteEvent,
    data: Record<string, unknown>,
    now: number,
  ): Promise<AfterMove> {
    return this.tx.run(async (trx) => {
      const m = await current(trx, id);
      if (m.finished_at !== null) return {};
      return this.#move(trx, m, ev, data, now);
    });
  }

  /** Ends a message now with the given status (e.g. it expired before it could be sent). */
  async finishNow(
    id: string,
    status: MessageStatus,
    data: Record<string, unknown>,
    now: number,
  ): Promise<void> {
    await this.tx.run(async (trx) => {
      const m = await current(trx, id);
      if (m.finished_at === null) await finish(trx, m, status, data, now);
    });
  }

  /**
   * A reviewer's verdict on an escalated message: `release` sends it along its route, `reject`
   * ends it as blocked (its content destroyed). Both are on the audit record with who decided.
   * Returns false when the tenant has no such message waiting for review.
   */
  async review(
    tenantId: string,
    id: string,
    verdict: 'release' | 'reject',
    actor: { id: string; role: string },
    now = Date.now(),
  ): Promise<boolean> {
    return this.tx.run(async (trx) => {
      const m = await trx
        .selectFrom('messages')
        .selectAll()
        .where('id', '=', id)
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst();
      if (!m || m.status !== 'escalated' || m.finished_at !== null) return false;
      await recordAudit(
        trx,
        {
          actor: { ...actor, tenantId },
          action: verdict === 'release' ? 'message.released' : 'message.rejected',
          target: id,
          tenantId,
        },
        now,
      );
      if (verdict === 'reject') {
        await finish(trx, m, 'blocked', { reviewer: actor.id, reason: 'rejected in review' }, now);
        return true;
      }
      await setStatus(trx, m, 'accepted', { reviewer: actor.id, reason: 'released in review' }, now);
      await trx
        .insertInto('jobs')
        .values(newJobRow('send', m.id, m.tenant_id, now))
        .execute();
      return true;
    });
  }

  /** A durable timer fired. Stale timers (another step by now, or finished) do nothing. */
  async fireTimer(id: string, data: TimerData, now: number): Promise<AfterMove> {
    return this.tx.run(async (trx) => {
      const m = await current(trx, id);
      if (m.finished_at !== null || m.route_step !== data.step) return {};
      const ev: RouteEvent =
        data.trigger === 'deadline' ? { kind: 'deadline' } : { kind: 'timer', trigger: data.trigger };
      return this.#move(trx, m, ev, { timer: data.trigger }, now);
    });
  }

  /**
   * Records a provider receipt exactly once (de-duplicated on channel, provider id and status)
   * and applies it. Returns undefined for a duplicate.
   */
  async recordReceipt(r: Receipt, now = Date.now()): Promise<AfterMove | undefined> {
    return this.tx.run(async (trx) => {
      await this.#lockProviderId(trx, r.channel, r.providerMessageId);
      // Linked to its attempt as it is written when the attempt is known (the usual case).
      const attempt = await attemptFor(trx, r.channel, r.providerMessageId);
      // De-duplicated by the unique (channel, provider id, status): a repeat inserts nothing.
      const [row] = (
        await sql<ReceiptRow>`insert into receipts (channel, provider_message_id, status,
            provider_status, error_code, message_id, at, received_at)
          values (${r.channel}, ${r.providerMessageId}, ${r.status}, ${r.providerStatus},
            ${r.errorCode ?? null}, ${attempt?.message_id ?? null}, ${r.at.getTime()}, ${now})
          on conflict (channel, provider_message_id, status) do nothing
          returning *`.execute(trx)
      ).rows;
      if (!row) return undefined;
      // Kept and applied in one commit: acknowledged to the provider only after both. A receipt
      // whose attempt is not known yet stays unlinked until `attemptAccepted` applies it.
      return attempt ? this.#applyReceipt(trx, row, attempt, now) : {};
    });
  }

  /**
   * Links a receipt to its attempt (unless it was written linked) and lets the route decide. A
   * receipt for an earlier step (it raced a fallback) or for a finished message is recorded on
   * the timeline and changes nothing.
   */
  async #applyReceipt(trx: Tx, r: ReceiptRow, attempt: AttemptRow, now: number): Promise<AfterMove> {
    if (r.message_id === null)
      await sql`update receipts set message_id = ${attempt.message_id} where id = ${r.id}`.execute(trx);
    await sql`update attempts set status = ${r.status}, finished_at = ${r.at}, error_code = ${r.error_code}
      where id = ${attempt.id}`.execute(trx);
    const m = await current(trx, attempt.message_id);
    const data = {
      attempt: attempt.id,
      step: attempt.step,
      providerStatus: r.provider_status,
      errorCode: r.error_code,
    };
    const late = m.finished_at !== null || attempt.step !== m.route_step;
    await event(trx, m, late ? 'late_receipt' : 'receipt', r.status, data, now);
    if (late) return {};
    return this.#move(trx, m, { kind: 'receipt', status: r.status as Receipt['status'] }, data, now);
  }

  async #move(
    trx: Tx,
    m: MessageRow,
    ev: RouteEvent,
    data: Record<string, unknown>,
    now: number,
  ): Promise<AfterMove> {
    const decision = JSON.parse(m.decision) as Decision;
    const move: Move = nextMove(decision.route, m.route_step, m.status as MessageStatus, ev);
    const { fellBackFrom } = await applyMove(trx, m, move, data, now);
    if (fellBackFrom === undefined) return {};
    const left = await trx
      .selectFrom('attempts')
      .select(['channel', 'provider_message_id'])
      .where('message_id', '=', m.id)
      .where('step', '=', fellBackFrom)
      .where('status', '=', 'accepted')
      .where('provider_message_id', 'is not', null)
      .executeTakeFirst();
    return left ? { revoke: { channel: left.channel, providerMessageId: left.provider_message_id! } } : {};
  }

  /** Attempts, for cost totals. */
  async attempts(messageId: string): Promise<AttemptRow[]> {
    return this.db.selectFrom('attempts').selectAll().where('message_id', '=', messageId).execute();
  }
}
