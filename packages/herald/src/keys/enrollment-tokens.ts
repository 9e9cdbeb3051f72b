import type { Kysely, Transaction } from 'kysely';
import type { AuditActor } from '../audit/audit-event.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { HeraldError } from '../errors/index.ts';
import type { TenantId } from '../ids.ts';
import type { Database } from '../storage/schema.ts';
import type { TransactionRunner } from '../storage/transaction-runner.ts';
import {
  DEFAULT_ENROLLMENT_TTL_SECONDS,
  generateEnrollmentToken,
  hashEnrollmentToken,
  looksLikeEnrollmentToken,
  MAX_ENROLLMENT_TTL_SECONDS,
} from './enrollment-token.ts';
import { isUserId } from './user-id.ts';

/** A token just issued: shown to the admin once, then only its hash exists. */
export interface IssuedEnrollmentToken {
  readonly token: string;
  readonly userId: string;
  readonly expiresAt: number;
}

/** What an unused, unexpired token lets its holder enroll. */
export interface EnrollmentGrant {
  readonly hash: string;
  readonly tenantId: TenantId;
  readonly userId: string;
  readonly createdBy: string;
}

const invalid = () => new HeraldError('HERALD_ERR_KEYS_ENROLLMENT_TOKEN_INVALID');

/**
 * Issues a one-time enrollment token for `userId` in the actor's tenant, with its audit event
 * (`device.enrollment_token.issued`) in the same transaction.
 */
export async function issueEnrollmentToken(
  tx: TransactionRunner,
  actor: AuditActor & { readonly tenantId: TenantId },
  request: { readonly userId: string; readonly ttlSeconds?: number },
  now = Date.now(),
): Promise<IssuedEnrollmentToken> {
  const ttl = request.ttlSeconds ?? DEFAULT_ENROLLMENT_TTL_SECONDS;
  if (!isUserId(request.userId))
    throw new HeraldError('HERALD_ERR_API_VALIDATION', { detail: 'userId is not a valid user id' });
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > MAX_ENROLLMENT_TTL_SECONDS)
    throw new HeraldError('HERALD_ERR_API_VALIDATION', {
      detail: `ttlSeconds must be between 60 and ${MAX_ENROLLMENT_TTL_SECONDS}`,
    });
  const { token, hash } = generateEnrollmentToken();
  const expiresAt = now + ttl * 1000;
  await tx.run(async (trx) => {
    await trx
      .insertInto('enrollment_tokens')
      .values({
        hash,
        tenant_id: actor.tenantId,
        user_id: request.userId,
        created_by: actor.id,
        created_at: now,
        expires_at: expiresAt,
        used_at: null,
      })
      .execute();
    await recordAudit(
      trx,
      {
        actor,
        action: 'device.enrollment_token.issued',
        target: request.userId,
        tenantId: actor.tenantId,
        details: { expiresAt },
      },
      now,
    );
  });
  return { token, userId: request.userId, expiresAt };
}

/** The grant of an unused, unexpired token, without using it; throws when there is none. */
export async function findEnrollmentGrant(
  db: Kysely<Database>,
  token: string,
  now = Date.now(),
): Promise<EnrollmentGrant> {
  if (!looksLikeEnrollmentToken(token)) throw invalid();
  const hash = hashEnrollmentToken(token);
  const row = await db
    .selectFrom('enrollment_tokens')
    .select(['tenant_id', 'user_id', 'created_by'])
    .where('hash', '=', hash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (!row) throw invalid();
  return { hash, tenantId: row.tenant_id as TenantId, userId: row.user_id, createdBy: row.created_by };
}

/**
 * Uses the token in the caller's transaction, or throws. One conditional update decides: on
 * PostgreSQL a concurrent use waits for the row lock and then sees `used_at` set, on SQLite
 * writers take turns, so of any number of concurrent uses exactly one succeeds.
 */
export async function consumeEnrollmentToken(
  trx: Transaction<Database>,
  hash: string,
  now: number,
): Promise<void> {
  const r = await trx
    .updateTable('enrollment_tokens')
    .set({ used_at: now })
    .where('hash', '=', hash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (r.numUpdatedRows !== 1n) throw invalid();
}
