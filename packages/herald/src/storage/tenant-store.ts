import type { Kysely, Selectable } from 'kysely';
import { HeraldError } from '../errors/index.ts';
import { newApiKeyId, newTenantId, type ApiKeyId, type TenantId } from '../ids.ts';
import type { ApiKeysTable, Database } from './schema.ts';

/** Roles an API key can have. */
export const ROLES = ['sender', 'admin', 'auditor', 'compliance'] as const;
export type Role = (typeof ROLES)[number];

export interface Tenant {
  readonly id: TenantId;
  readonly name: string;
  readonly createdAt: number;
}

export interface ApiKeyRecord {
  readonly id: ApiKeyId;
  readonly tenantId: TenantId;
  readonly role: Role;
  readonly name: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

/** Tenants and their API keys. Keys are stored as hashes only (see `api-key.ts`). */
export class TenantStore {
  constructor(private readonly db: Kysely<Database>) {}

  async createTenant(name: string, now = Date.now()): Promise<Tenant> {
    const existing = await this.findTenantByName(name);
    if (existing) throw new HeraldError('HERALD_ERR_TENANT_EXISTS', { name });
    const tenant = { id: newTenantId(), name, createdAt: now };
    await this.db.insertInto('tenants').values({ id: tenant.id, name, created_at: now }).execute();
    return tenant;
  }

  async findTenantByName(name: string): Promise<Tenant | undefined> {
    const row = await this.db.selectFrom('tenants').selectAll().where('name', '=', name).executeTakeFirst();
    return row && { id: row.id as TenantId, name: row.name, createdAt: row.created_at };
  }

  async getTenant(id: string): Promise<Tenant | undefined> {
    const row = await this.db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    return row && { id: row.id as TenantId, name: row.name, createdAt: row.created_at };
  }

  async listTenants(): Promise<Tenant[]> {
    const rows = await this.db.selectFrom('tenants').selectAll().orderBy('created_at').execute();
    return rows.map((r) => ({ id: r.id as TenantId, name: r.name, createdAt: r.created_at }));
  }

  /** Stores a new key's hash; the caller shows the key itself once and forgets it. */
  async createApiKey(
    tenantId: TenantId,
    role: Role,
    name: string,
    hash: string,
    now = Date.now(),
  ): Promise<ApiKeyRecord> {
    if (!(await this.getTenant(tenantId)))
      throw new HeraldError('HERALD_ERR_TENANT_NOT_FOUND', { id: tenantId });
    const record: ApiKeyRecord = { id: newApiKeyId(), tenantId, role, name, createdAt: now, revokedAt: null };
    await this.db
      .insertInto('api_keys')
      .values({ id: record.id, tenant_id: tenantId, role, name, hash, created_at: now, revoked_at: null })
      .execute();
    return record;
  }

  /** The active key with this hash, if any. Revoked keys are not returned. */
  async findApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('hash', '=', hash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row && toKey(row);
  }

  async listApiKeys(tenantId: TenantId): Promise<ApiKeyRecord[]> {
    const rows = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at')
      .execute();
    return rows.map(toKey);
  }

  /** Revokes a key; returns false when the tenant has no such active key. */
  async revokeApiKey(tenantId: TenantId, id: string, now = Date.now()): Promise<boolean> {
    const r = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('tenant_id', '=', tenantId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }
}

function toKey(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id as ApiKeyId,
    tenantId: row.tenant_id as TenantId,
    role: row.role as Role,
    name: row.name,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
