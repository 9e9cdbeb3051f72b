import { sql, type Kysely, type Transaction } from 'kysely';
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
 * Claims one KeyPackage of each device: the oldest unexpired ordinary one, marked `claimed` so it
 * is never handed out again; for a device with none left, its newest last-resort one, which stays
 * in the pool (RFC 9420 §16.8). Devices with neither are absent from the result.
 */
export async function claimKeyPackages(
  trx: Transaction<Database>,
  dialect: DialectName,
  tenantId: string,
  deviceIds: readonly string[],
  now: number,
): Promise<Map<string, ClaimedKeyPackage>> {
  const out =
    dialect === 'postgres'
      ? await claimOrdinaryPostgres(trx, tenantId, deviceIds, now)
      : await claimOrdinarySqlite(trx, tenantId, deviceIds, now);
  for (const deviceId of deviceIds) {
    if (out.has(deviceId)) continue;
    const last = await claimLastResort(trx, tenantId, deviceId, now);
    if (last) out.set(deviceId, last);
  }
  return out;
}

/**
 * PostgreSQL: one statement for every device. Each device's candidate row is taken
 * `FOR UPDATE SKIP LOCKED`, so concurrent claims take different KeyPackages instead of waiting
 * on (or sharing) one.
 */
async function claimOrdinaryPostgres(
  trx: Transaction<Database>,
  tenantId: string,
  deviceIds: readonly string[],
  now: number,
): Promise<Map<string, ClaimedKeyPackage>> {
  if (deviceIds.length === 0) return new Map();
  const { rows } = await sql<{ ref: string; device_id: string; key_package: Uint8Array }>`
    update key_packages as k set state = 'claimed', claimed_at = ${now}
    from (
      select c.ref
      from unnest(${deviceIds as string[]}::text[]) as d(id)
      cross join lateral (
        select ref from key_packages
        where tenant_id = ${tenantId} and device_id = d.id and state = 'available'
          and last_resort = 0 and not_after > ${now}
        order by uploaded_at, ref
        limit 1
        for update skip locked
      ) as c
    ) as pick
    where k.ref = pick.ref and k.state = 'available'
    returning k.ref, k.device_id, k.key_package`.execute(trx);
  return new Map(
    rows.map((r) => [
      r.device_id,
      { ref: r.ref, keyPackage: new Uint8Array(r.key_package), lastResort: false },
    ]),
  );
}

/** SQLite: one writer at a time, so a conditional update per device is enough. */
async function claimOrdinarySqlite(
  trx: Transaction<Database>,
  tenantId: string,
  deviceIds: readonly string[],
  now: number,
): Promise<Map<string, ClaimedKeyPackage>> {
  const out = new Map<string, ClaimedKeyPackage>();
  for (const deviceId of deviceIds) {
    const claimed = await trx
      .updateTable('key_packages')
      .set({ state: 'claimed', claimed_at: now })
      .where(
        'ref',
        '=',
        trx
          .selectFrom('key_packages')
          .select('ref')
          .where('tenant_id', '=', tenantId)
          .where('device_id', '=', deviceId)
          .where('state', '=', 'available')
          .where('last_resort', '=', 0)
          .where('not_after', '>', now)
          .orderBy('uploaded_at')
          .orderBy('ref')
          .limit(1),
      )
      .where('state', '=', 'available')
      .returning(['ref', 'key_package'])
      .executeTakeFirst();
    if (claimed)
      out.set(deviceId, {
        ref: claimed.ref,
        keyPackage: new Uint8Array(claimed.key_package),
        lastResort: false,
      });
  }
  return out;
}

/** The device's newest unexpired last-resort KeyPackage, handed out again (its claim time noted). */
async function claimLastResort(
  trx: Transaction<Database>,
  tenantId: string,
  deviceId: string,
  now: number,
): Promise<ClaimedKeyPackage | undefined> {
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
  const [row] = await keyPackageOwners(db, tenantId, [ref]);
  return row && { userId: row.userId, deviceId: row.deviceId };
}

/**
 * The owners of the KeyPackages with these refs (hex) that were claimed in the tenant. Only a
 * claimed KeyPackage can be in a Welcome: one merely uploaded was never handed to a committer,
 * and one of another tenant is not this tenant's to route to.
 */
export async function keyPackageOwners(
  db: Db,
  tenantId: string,
  refs: readonly string[],
): Promise<Array<{ ref: string; userId: string; deviceId: string }>> {
  if (refs.length === 0) return [];
  const rows = await db
    .selectFrom('key_packages')
    .select(['ref', 'user_id', 'device_id'])
    .where('tenant_id', '=', tenantId)
    .where('ref', 'in', [...new Set(refs)])
    .where('claimed_at', 'is not', null)
    .execute();
  return rows.map((r) => ({ ref: r.ref, userId: r.user_id, deviceId: r.device_id }));
}
