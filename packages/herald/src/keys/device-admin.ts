import type { Kysely } from 'kysely';
import type { AuditAction, AuditActor } from '../audit/audit-event.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { HeraldError } from '../errors/index.ts';
import type { TenantId } from '../ids.ts';
import type { DeviceRecord, DeviceStatus, DeviceStore } from '../storage/device-store.ts';
import type { Database } from '../storage/schema.ts';
import type { TransactionRunner } from '../storage/transaction-runner.ts';
import type { DeviceRevocationListener } from './device-revocation-listener.ts';
import type { KeyDirectory } from './key-directory.ts';
import { retireKeyPackages } from './key-package-pool.ts';

/** Where failures that do not undo an action are reported (a pino logger fits). */
export interface KeysLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface DeviceAdminOptions {
  readonly db: Kysely<Database>;
  readonly tx: TransactionRunner;
  readonly devices: DeviceStore;
  readonly directory: KeyDirectory;
  /** Told after each revocation commits (the Delivery Service proposes Removes). */
  readonly revocationListener?: DeviceRevocationListener;
  readonly logger?: KeysLogger;
  readonly now?: () => number;
}

/** An admin acting on one tenant's devices. */
export type TenantActor = AuditActor & { readonly tenantId: TenantId };

const CHANGES = {
  suspend: { to: 'suspended', action: 'device.suspended' },
  resume: { to: 'active', action: 'device.resumed' },
  revoke: { to: 'revoked', action: 'device.revoked' },
} as const satisfies Record<string, { to: DeviceStatus; action: AuditAction }>;
export type DeviceChange = keyof typeof CHANGES;

/**
 * Admins' view of devices: list, suspend, resume, revoke, always within the admin's tenant (a
 * device of another tenant does not exist for them). Each change commits with its audit event;
 * revocation is final, appends a `revoke` entry to the key directory, takes the device's
 * KeyPackages out of the pool and then tells the revocation listener. A change that changes
 * nothing (suspending a suspended device, revoking a revoked one) records nothing.
 */
export class DeviceAdmin {
  readonly #o: DeviceAdminOptions;

  constructor(opts: DeviceAdminOptions) {
    this.#o = opts;
  }

  list(
    tenantId: TenantId,
    query: { userId?: string; after?: string; limit?: number } = {},
  ): Promise<DeviceRecord[]> {
    return this.#o.devices.list(tenantId, query.userId, { after: query.after, limit: query.limit });
  }

  async get(tenantId: TenantId, id: string): Promise<DeviceRecord> {
    const d = await this.#o.devices.get(tenantId, id);
    if (!d) throw new HeraldError('HERALD_ERR_DEVICE_NOT_FOUND', { id });
    return d;
  }

  /** Applies `change` to device `id` of the actor's tenant; returns the device as it now is. */
  async change(actor: TenantActor, id: string, change: DeviceChange): Promise<DeviceRecord> {
    const { to, action } = CHANGES[change];
    const now = (this.#o.now ?? Date.now)();
    const changed = await this.#o.tx.run(async (trx) => {
      const d = await this.#o.devices.get(actor.tenantId, id, trx);
      if (!d) throw new HeraldError('HERALD_ERR_DEVICE_NOT_FOUND', { id });
      if (d.status === 'revoked' && to !== 'revoked')
        throw new HeraldError('HERALD_ERR_DEVICE_REVOKED', { id });
      // The update is conditional (never out of `revoked`, only on a real change), so of two
      // concurrent revocations only one appends an entry and an audit event.
      if (!(await this.#o.devices.setStatus(actor.tenantId, id, to, now, trx))) return undefined;
      if (to === 'revoked') {
        await this.#o.directory.append(trx, {
          action: 'revoke',
          tenantId: d.tenantId,
          userId: d.userId,
          deviceId: d.id,
          key: d.signatureKey,
          at: now,
        });
        await retireKeyPackages(trx, d.tenantId, d.id);
      }
      await recordAudit(
        trx,
        {
          actor,
          action,
          target: id,
          tenantId: actor.tenantId,
          details: { userId: d.userId, from: d.status },
        },
        now,
      );
      return { ...d, status: to, statusAt: now };
    });
    if (!changed) {
      const current = await this.get(actor.tenantId, id);
      if (current.status === 'revoked' && to !== 'revoked')
        throw new HeraldError('HERALD_ERR_DEVICE_REVOKED', { id });
      return current;
    }
    if (to === 'revoked') await this.#tellRevoked(changed);
    return changed;
  }

  async #tellRevoked(d: DeviceRecord): Promise<void> {
    const listener = this.#o.revocationListener;
    if (!listener) return;
    try {
      await listener.onRevoked({ tenantId: d.tenantId, userId: d.userId, deviceId: d.id });
    } catch (err) {
      // The revocation stands (the device is refused everywhere); the listener catches up later.
      this.#o.logger?.error(
        { device: d.id, err: { code: (err as { code?: string }).code } },
        'revocation listener failed',
      );
    }
  }
}
