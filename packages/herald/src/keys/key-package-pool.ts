import type { Kysely, Transaction } from 'kysely';
import type { DialectName } from '../storage/connect.ts';
import type { Database } from '../storage/schema.ts';

/** One validated KeyPackage ready to store. */
export interface PooledKeyPackage {
  /** `KeyPackageRef`, lowercase hex. */
  readonly ref: string;
  readonly keyPackage: Uint8Array;
  readonly notAfter: number;
}

/** Whose KeyPackages: one device of one user in one tenant. */
export interface PoolOwner {
  readonly tenantId: string;
  readonly userId: string;
  readonly deviceId: string;
}

/** A KeyPackage handed out by a claim. */
export interface ClaimedKeyPackage {
  readonly ref: string;
  readonly keyPackage: Uint8Array;
  readonly lastResort: boolean;
}

type Db = Transaction<Database> | Kysely<Database>;

/** Stores KeyPackages in the owner's pool; returns how many were new (a re-upload is a no-op). */
export async function addKeyPackages(
  trx: Transaction<Database>,
  owner: PoolOwner,
  kps: readonly PooledKeyPackage[],
  lastResort: boolean,
  now: number,
): Promise<number> {
  if (kps.length === 0) return 0;
  const r = await trx
    .insertInto('key_packages')
    .values(
      kps.map((kp) => ({
        ref: kp.ref,
        tenant_id: owner.tenantId,
        user_id: owner.userId,
        device_id: owner.deviceId,
        key_package: Buffer.from(kp.keyPackage),
        last_resort: lastResort ? 1 : 0,
        state: 'available' as const,
        not_after: kp.notAfter,
        uploaded_at: now,
        claimed_at: null,
      })),
    )
    .onConflict((oc) => oc.column('ref').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n);
}

/**
 * Takes the device's current last-resort KeyPackage out of the pool before a new one goes in.
 * One never handed out is deleted; one handed out is kept (`retired`) so Welcomes naming it can
 * still be routed.
 */
export async function replaceLastResort(
  trx: Transaction<Database>,
  deviceId: string,
  keep: string,
): Promise<void> {
  await trx
    .updateTable('key_packages')
    .set({ state: 'retired' })
    .where('device_id', '=', deviceId)
    .where('last_resort', '=', 1)
    .where('state', '=', 'available')
    .where('ref', '!=', keep)
    .where('claimed_at', 'is not', null)
    .execute();
  await trx
    .deleteFrom('key_packages')
    .where('device_id', '=', deviceId)
    .where('last_resort', '=', 1)
    .where('state', '=', 'available')
    .where('ref', '!=', keep)
    .where('claimed_at', 'is', null)
    .execute();
}

/** How many ordinary (not last-resort) KeyPackages the device has waiting in its pool. */
export async function countAvailable(db: Db, deviceId: string, now: number): Promise<number> {
  const row = await db
    .selectFrom('key_packages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('device_id', '=', deviceId)
    .where('state', '=', 'available')
    .where('last_resort', '=', 0)
    .where('not_after', '>', now)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Deletes the device's KeyPackages that expired before `before`. */
export async function dropExpired(
  trx: Transaction<Database>,
  deviceId: string,
  before: number,
): Promise<void> {
  await trx
    .deleteFrom('key_packages')
    .where('device_id', '=', deviceId)
    .where('not_after', '<', before)
    .execute();
}

/**
 * Claims one KeyPackage of the device: the oldest unexpired ordinary one, marked `claimed` so it
 * is never handed out again; when none is left, the newest last-resort one, which stays in the
 * pool (RFC 9420 §16.8). On PostgreSQL the candidate row is taken `FOR UPDATE SKIP LOCKED`, so
 * concurrent claims take different KeyPackages instead of waiting on (or sharing) one; SQLite
 * runs one writer at a time.
 */
export async function claimKeyPackage(
  trx: Transaction<Database>,
  dialect: DialectName,
  tenantId: string,
  deviceId: string,
  now: number,
): Promise<ClaimedKeyPackage | undefined> {
  const candidate = trx
    .selectFrom('key_packages')
    .select('ref')
    .where('tenant_id', '=', tenantId)
    .where('device_id', '=', deviceId)
    .where('state', '=', 'available')
    .where('last_resort', '=', 0)
    .where('not_after', '>', now)
    .orderBy('uploaded_at')
    .orderBy('ref')
    .limit(1)
    .$if(dialect === 'postgres', (q) => q.forUpdate().skipLocked());
  const claimed = await trx
    .updateTable('key_packages')
    .set({ state: 'claimed', claimed_at: now })
    .where('ref', '=', candidate)
    .where('state', '=', 'available')
    .returning(['ref', 'key_package'])
    .executeTakeFirst();
  if (claimed)
    return { ref: claimed.ref, keyPackage: new Uint8Array(claimed.key_package), lastResort: false };
  const last = await trx
    .updateTable('key_packages')
    .set({ claimed_at: now })
    .where(
      'ref',
      '=',
      trx
        .selectFrom('key_packages')
        .select('ref')
        .where('tenant_id', '=', tenantId)
        .where('device_id', '=', deviceId)
        .where('state', '=', 'available')
        .where('last_resort', '=', 1)
        .where('not_after', '>', now)
        .orderBy('uploaded_at', 'desc')
        .limit(1),
    )
    .returning(['ref', 'key_package'])
    .executeTakeFirst();
  return last && { ref: last.ref, keyPackage: new Uint8Array(last.key_package), lastResort: true };
}

/** Takes every KeyPackage of a revoked device out of the pool (kept only for routing). */
export async function retireKeyPackages(
  trx: Transaction<Database>,
  tenantId: string,
  deviceId: string,
): Promise<void> {
  await trx
    .updateTable('key_packages')
    .set({ state: 'retired' })
    .where('tenant_id', '=', tenantId)
    .where('device_id', '=', deviceId)
    .where('state', '=', 'available')
    .execute();
}

/** Which device a KeyPackage (by its ref, hex) belongs to, in the tenant. */
export async function keyPackageOwner(
  db: Db,
  tenantId: string,
  ref: string,
): Promise<{ userId: string; deviceId: string } | undefined> {
  const row = await db
    .selectFrom('key_packages')
    .select(['user_id', 'device_id'])
    .where('tenant_id', '=', tenantId)
    .where('ref', '=', ref)
    .executeTakeFirst();
  return row && { userId: row.user_id, deviceId: row.device_id };
}
