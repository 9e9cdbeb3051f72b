import type { FastifyRequest } from 'fastify';
import { HeraldError } from '../errors/index.ts';
import type { ApiKeyId, TenantId } from '../ids.ts';
import type { DevicePrincipal } from '../keys/device-principal.ts';
import { hashDeviceToken, looksLikeDeviceToken } from '../keys/device-token.ts';
import { subprotocolBearer } from '../secure/stream-auth.ts';
import type { DeviceStore } from '../storage/device-store.ts';
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

/** Who a bearer token belongs to: a tenant's API key or an enrolled device. */
export type Caller = { readonly principal: Principal } | { readonly device: DevicePrincipal };

/**
 * Resolves bearer tokens — API keys (`hk_…`) and device tokens (`hdv_…`) — with a short
 * in-memory cache so the hot path does not read the database on every request. A revoked key
 * or a suspended or revoked device stops working within `ttlMs`.
 */
export class Authenticator {
  readonly #cache = new Map<string, { caller: Caller; until: number }>();

  constructor(
    private readonly tenants: TenantStore,
    private readonly devices?: DeviceStore,
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 10_000,
  ) {}

  async authenticate(req: FastifyRequest): Promise<Caller> {
    const header = req.headers.authorization;
    // A browser's WebSocket cannot send headers: its token comes as a subprotocol.
    const offered = header ? undefined : subprotocolBearer(req);
    if (!header && offered === undefined) throw new HeraldError('HERALD_ERR_AUTH_MISSING');
    const token = header ? /^Bearer (\S+)$/.exec(header)?.[1] : offered;
    const kind =
      token === undefined
        ? undefined
        : looksLikeApiKey(token)
          ? 'key'
          : looksLikeDeviceToken(token)
            ? 'device'
            : undefined;
    if (token === undefined || kind === undefined || (kind === 'device' && !this.devices))
      throw new HeraldError('HERALD_ERR_AUTH_INVALID');
    const hash = kind === 'key' ? hashApiKey(token) : hashDeviceToken(token);
    const now = Date.now();
    const hit = this.#cache.get(hash);
    if (hit && hit.until > now) return hit.caller;
    const caller = kind === 'key' ? await this.#apiKey(hash) : await this.#device(hash);
    if (this.#cache.size >= this.maxEntries) this.#cache.clear();
    this.#cache.set(hash, { caller, until: now + this.ttlMs });
    return caller;
  }

  /** Forgets cached callers, so a revocation takes effect at once in this process. */
  forget(): void {
    this.#cache.clear();
  }

  /**
   * Forgets the cached caller of one device, so its suspension or revocation takes effect at once
   * in this process (other processes see it within `ttlMs`).
   */
  forgetDevice(deviceId: string): void {
    for (const [hash, hit] of this.#cache)
      if ('device' in hit.caller && hit.caller.device.deviceId === deviceId) this.#cache.delete(hash);
  }

  async #apiKey(hash: string): Promise<Caller> {
    const record = await this.tenants.findApiKeyByHash(hash);
    if (!record) throw new HeraldError('HERALD_ERR_AUTH_INVALID');
    return { principal: { tenantId: record.tenantId, keyId: record.id, role: record.role } };
  }

  async #device(hash: string): Promise<Caller> {
    const d = await this.devices!.findByTokenHash(hash);
    if (!d) throw new HeraldError('HERALD_ERR_AUTH_INVALID');
    if (d.status !== 'active') throw new HeraldError('HERALD_ERR_DEVICE_INACTIVE', { status: d.status });
    return { device: { tenantId: d.tenantId, userId: d.userId, deviceId: d.id } };
  }
}

/** Throws unless the caller's role is one of `roles`. */
export function requireRole(req: FastifyRequest, action: string, ...roles: Role[]): Principal {
  const p = req.principal;
  if (!p && req.device) throw new HeraldError('HERALD_ERR_AUTH_FORBIDDEN', { role: 'device', action });
  if (!p) throw new HeraldError('HERALD_ERR_AUTH_MISSING');
  if (!roles.includes(p.role)) throw new HeraldError('HERALD_ERR_AUTH_FORBIDDEN', { role: p.role, action });
  return p;
}
