import type { ReceiptSink } from '../channels/channel-adapter.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { TenantId } from '../ids.ts';
import type { DevicePrincipal } from '../keys/device-principal.ts';
import type { Store } from '../storage/store.ts';
import { pushTokenAad } from './device-waker.ts';
import type { InboxItem, InboxStore } from './inbox-store.ts';
import type { SecureLimits } from './secure-limits.ts';

/** A push token as a device registers it. */
export interface PushToken {
  readonly platform: 'apns' | 'fcm';
  readonly token: string;
}

/**
 * A device's own view of its inbox: fetch after a cursor, acknowledge up to a sequence number,
 * register a push token. Acknowledging items that carry a Herald message (queued by the `secure`
 * channel adapter for this device's user) reports that message `delivered`.
 */
export class DeviceInbox {
  constructor(
    private readonly deps: {
      readonly store: Store;
      readonly inboxes: InboxStore;
      readonly box: SecretBox;
      readonly limits: SecureLimits;
      /** Where delivery receipts go (the delivery store); absent: none are reported. */
      readonly receipts?: ReceiptSink;
      readonly now?: () => number;
    },
  ) {}

  #now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** Items after `after`, oldest first, at most `limit` (bounded by the configured maximum). */
  fetch(device: DevicePrincipal, after: number, limit: number): Promise<InboxItem[]> {
    const n = Math.min(limit, this.deps.limits.maxFetchItems);
    return this.deps.inboxes.fetch(
      this.deps.store.conn.db,
      device.tenantId,
      device.deviceId,
      after,
      n,
      this.#now(),
    );
  }

  /** The inbox's last sequence number. */
  lastSeq(device: DevicePrincipal): Promise<number> {
    return this.deps.inboxes.lastSeq(this.deps.store.conn.db, device.tenantId, device.deviceId);
  }

  /**
   * Deletes the items up to `upTo`. Receipts are recorded first, durably, and only then are the
   * items deleted: a crash in between leaves the items, the device acknowledges again, and the
   * repeated receipt is de-duplicated by the delivery store.
   */
  async ack(device: DevicePrincipal, upTo: number): Promise<{ removed: number }> {
    const { store, inboxes, receipts } = this.deps;
    if (receipts) {
      const ids = await inboxes.messageIdsUpTo(store.conn.db, device.tenantId, device.deviceId, upTo);
      const at = new Date(this.#now());
      for (const id of new Set(ids))
        await receipts({
          channel: 'secure',
          providerMessageId: id,
          status: 'delivered',
          providerStatus: 'acked',
          at,
        });
    }
    const removed = await store.tx.run((trx) => inboxes.ack(trx, device.tenantId, device.deviceId, upTo));
    return { removed };
  }

  /** Whether the device may still use the secure channel (checked by open streams). */
  async isActive(device: DevicePrincipal): Promise<boolean> {
    const row = await this.deps.store.conn.db
      .selectFrom('devices')
      .select('status')
      .where('tenant_id', '=', device.tenantId)
      .where('id', '=', device.deviceId)
      .executeTakeFirst();
    return row?.status === 'active';
  }

  /** Records that this device has an open stream until `until` (or, with `null`, none). */
  setStreamLease(device: DevicePrincipal, until: number | null): Promise<void> {
    return this.deps.inboxes.setStreamLease(this.deps.store.conn.db, device.tenantId, device.deviceId, until);
  }

  /** Empties a revoked device's inbox and forgets its push token. */
  async drop(tenantId: TenantId, deviceId: string): Promise<void> {
    await this.deps.store.tx.run((trx) => this.deps.inboxes.drop(trx, tenantId, deviceId));
  }

  /** Registers the device's push token (sealed at rest), or with `null` forgets it. */
  async setPushToken(device: DevicePrincipal, push: PushToken | null): Promise<void> {
    const sealed =
      push === null
        ? null
        : {
            platform: push.platform,
            tokenSealed: this.deps.box.seal(push.token, pushTokenAad(device.deviceId)),
          };
    await this.deps.store.tx.run((trx) =>
      this.deps.inboxes.setPushToken(trx, device.tenantId, device.deviceId, sealed),
    );
  }
}
