import type { FastifyRequest } from 'fastify';
import { HeraldError } from '../errors/index.ts';
import type { ApiKeyId, TenantId } from '../ids.ts';
import type { Role, TenantStore } from '../storage/tenant-store.ts';
import { hashApiKey, looksLikeApiKey } from './api-key.ts';

/** Who is calling: set on every authenticated request. */
export interface Principal {
  readonly tenantId: TenantId;
  readonly keyId: ApiKeyId;
  readonly role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/**
 * Resolves API keys to principals, with a short in-memory cache so the hot path does not read
 * the database on every request. A revoked key stops working within `ttlMs`.
 */
export class Authenticator {
  readonly #cache = new Map<string, { principal: Principal; until: number }>();

  constructor(
    private readonly tenants: TenantStore,
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 10_000,
  ) {}

  async authenticate(req: FastifyRequest): Promise<Principal> {
    const header = req.headers.authorization;
    if (!header) throw new HeraldError('HERALD_ERR_AUTH_MISSING');
    const m = /^Bearer (\S+)$/.exec(header);
    if (!m || !looksLikeApiKey(m[1]!)) throw new HeraldError('HERALD_ERR_AUTH_INVALID');
    const hash = hashApiKey(m[1]!);
    const now = Date.now();
    const hit = this.#cache.get(hash);
    if (hit && hit.until > now) return hit.principal;
    const record = await this.tenants.findApiKeyByHash(hash);
    if (!record) throw new HeraldError('HERALD_ERR_AUTH_INVALID');
    const principal: Principal = { tenantId: record.tenantId, keyId: record.id, role: record.role };
    if (this.#cache.size >= this.maxEntries) this.#cache.clear();
    this.#cache.set(hash, { principal, until: now + this.ttlMs });
    return principal;
  }
}

/** Throws unless the caller's role is one of `roles`. */
export function requireRole(req: FastifyRequest, action: string, ...roles: Role[]): Principal {
  const p = req.principal;
  if (!p) throw new HeraldError('HERALD_ERR_AUTH_MISSING');
  if (!roles.includes(p.role)) throw new HeraldError('HERALD_ERR_AUTH_FORBIDDEN', { role: p.role, action });
  return p;
}
