import type { Kysely, Selectable } from 'kysely';
import type { TenantId } from '../ids.ts';
import type { Database } from './schema.ts';
import type { DevicesTable } from './schema-keys.ts';

/** Device states: only `active` devices may call the API or be claimed for new groups. */
export type DeviceStatus = DevicesTable['status'];

export interface DeviceRecord {
  readonly id: string;
  readonly tenantId: TenantId;
  readonly userId: string;
  readonly name: string;
  readonly status: DeviceStatus;
  readonly managed: boolean;
  readonly signatureKey: Uint8Array;
  readonly enrolledAt: number;
  readonly statusAt: number;
}

/** The devices table. Enrollment, tokens and the key directory build on it (`keys/`). */
export class DeviceStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores a new active device whose bearer token hashes to `tokenHash`. */
  async insert(
    device: Omit<DeviceRecord, 'status' | 'statusAt'>,
    tokenHash: string,
    db: Kysely<Database> = this.db,
  ): Promise<DeviceRecord> {
    await db
      .insertInto('devices')
      .values({
        id: device.id,
        tenant_id: device.tenantId,
        user_id: device.userId,
        name: device.name,
        status: 'active',
        managed: device.managed ? 1 : 0,
        token_hash: tokenHash,
        signature_key: Buffer.from(device.signatureKey),
        enrolled_at: device.enrolledAt,
        status_at: device.enrolledAt,
      })
      .execute();
    return { ...device, status: 'active', statusAt: device.enrolledAt };
  }

  /** The device holding the token with this hash, whatever its status. */
  async findByTokenHash(hash: string): Promise<DeviceRecord | undefined> {
    const row = await this.db
      .selectFrom('devices')
      .selectAll()
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    return row && toDevice(row);
  }

  async get(
    tenantId: TenantId,
    id: string,
    db: Kysely<Database> = this.db,
  ): Promise<DeviceRecord | undefined> {
    const row = await db
      .selectFrom('devices')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toDevice(row);
  }

  /**
   * A tenant's devices, optionally of one user, in id order (ids sort by enrollment time); a page
   * of at most `limit` after the id `after`.
   */
  async list(
    tenantId: TenantId,
    userId?: string,
    page: { after?: string | undefined; limit?: number | undefined } = {},
  ): Promise<DeviceRecord[]> {
    let q = this.db.selectFrom('devices').selectAll().where('tenant_id', '=', tenantId);
    if (userId !== undefined) q = q.where('user_id', '=', userId);
    if (page.after !== undefined) q = q.where('id', '>', page.after);
    return (
      await q
        .orderBy('id')
        .limit(page.limit ?? 1000)
        .execute()
    ).map(toDevice);
  }

  /** Moves a device to `status`; a revoked device never changes again. False when nothing changed. */
  async setStatus(
    tenantId: TenantId,
    id: string,
    status: DeviceStatus,
    now = Date.now(),
    db: Kysely<Database> = this.db,
  ): Promise<boolean> {
    const r = await db
      .updateTable('devices')
      .set({ status, status_at: now })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('status', '!=', 'revoked')
      .where('status', '!=', status)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }
}

function toDevice(row: Selectable<DevicesTable>): DeviceRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id as TenantId,
    userId: row.user_id,
    name: row.name,
    status: row.status,
    managed: row.managed === 1,
    signatureKey: new Uint8Array(row.signature_key),
    enrolledAt: row.enrolled_at,
    statusAt: row.status_at,
  };
}
