import { sql, type Kysely, type Transaction } from 'kysely';
import { newJobId } from '../ids.ts';
import type { DialectName } from './connect.ts';
import type { Database } from './schema.ts';
import type { TransactionRunner } from './transaction-runner.ts';

/** Kinds of work in the outbox. */
export const JOB_KINDS = ['send', 'timer', 'webhook'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export interface Job {
  readonly id: string;
  readonly kind: JobKind;
  readonly ref: string;
  readonly tenantId: string;
  /** JSON for timers (`TimerData`). */
  readonly data: string | null;
  readonly attempts: number;
  readonly runAt: number;
}

/** A new outbox row, due at `runAt`. `data` is JSON for timers. */
export function newJobRow(
  kind: JobKind,
  ref: string,
  tenantId: string,
  runAt: number,
  data: string | null = null,
  now = runAt,
) {
  return {
    id: newJobId(),
    kind,
    ref,
    tenant_id: tenantId,
    data,
    run_at: runAt,
    attempts: 0,
    lease_owner: null,
    lease_until: null,
    created_at: now,
  };
}

/**
 * Ends a leased job in the caller's transaction: deletes it, or with `retry` puts it back for a
 * later run, counting the attempt. Only the lease owner can; for anyone else it does nothing.
 */
export async function settleJob(
  trx: Kysely<Database> | Transaction<Database>,
  id: string,
  owner: string,
  retry?: { readonly runAt: number; readonly attempts: number },
): Promise<void> {
  if (retry === undefined) {
    // Fixed SQL text: one of the statements every message runs (see message-transitions.ts).
    await sql`delete from jobs where id = ${id} and lease_owner = ${owner}`.execute(trx);
    return;
  }
  await trx
    .updateTable('jobs')
    .set({ run_at: retry.runAt, attempts: retry.attempts, lease_owner: null, lease_until: null })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .execute();
}

/**
 * The durable outbox. Workers claim due jobs with a lease; a job whose worker died becomes
 * claimable again when its lease runs out, which is what makes delivery at-least-once.
 */
export class JobStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly tx: TransactionRunner,
  ) {}

  /** Claims up to `limit` due jobs for `owner` until `now + leaseMs`. */
  async claim(owner: string, limit: number, leaseMs: number, now = Date.now()): Promise<Job[]> {
    let due = this.db
      .selectFrom('jobs')
      .select('id')
      .where('run_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('run_at')
      .limit(limit);
    // Several workers on PostgreSQL: skip rows another worker is claiming instead of waiting.
    // SQLite serialises writers, so the plain subquery is already exclusive there.
    if (this.dialect === 'postgres') due = due.forUpdate().skipLocked();
    const rows = await this.tx.run((trx) =>
      trx
        .updateTable('jobs')
        .set({ lease_owner: owner, lease_until: now + leaseMs })
        .where('id', 'in', due)
        .returningAll()
        .execute(),
    );
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind as JobKind,
      ref: r.ref,
      tenantId: r.tenant_id,
      data: r.data,
      attempts: r.attempts,
      runAt: r.run_at,
    }));
  }

  /** When the next job is due (for the worker's sleep), or undefined if the outbox is empty. */
  async nextDue(): Promise<number | undefined> {
    const r = await this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.min('run_at').as('next'))
      .executeTakeFirst();
    return r?.next == null ? undefined : Number(r.next);
  }

  async complete(id: string, owner: string): Promise<void> {
    await this.tx.run((trx) => settleJob(trx, id, owner));
  }

  /** Puts a job back for a later run, counting the attempt. */
  async retryAt(id: string, owner: string, runAt: number, attempts: number): Promise<void> {
    await this.tx.run((trx) => settleJob(trx, id, owner, { runAt, attempts }));
  }

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
