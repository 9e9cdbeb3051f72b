import type { Kysely, Transaction } from 'kysely';
import { HeraldError } from '../errors/index.ts';
import type { TenantId } from '../ids.ts';
import type { DialectName } from '../storage/connect.ts';
import { insertRows } from '../storage/insert-rows.ts';
import type { Database } from '../storage/schema.ts';
import type { SecureQueueTable } from '../storage/schema-secure.ts';
import type { GroupId } from './group-id.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** Kinds of inbox item (docs/secure-channel.md). */
export type InboxKind = SecureQueueTable['kind'];

/** One message for one device. */
export interface Delivery {
  readonly deviceId: string;
  readonly kind: InboxKind;
  readonly message: Uint8Array;
  /** Set on the recipient's devices when the `secure` channel adapter queued a Herald message. */
  readonly messageId?: string;
}

/** Where an item landed: the device and its sequence number there. */
export interface Queued {
  readonly deviceId: string;
  readonly seq: number;
}

/** An item as a device fetches it. */
export interface InboxItem {
  readonly seq: number;
  readonly groupId: GroupId;
  readonly kind: InboxKind;
  readonly message: Uint8Array;
  readonly sentAt: number;
}

/** A device due for a wake-up push: its sealed token. */
export interface WakeTarget {
  readonly deviceId: string;
  readonly tenantId: TenantId;
  readonly platform: 'apns' | 'fcm';
  readonly tokenSealed: string;
}

/**
 * SQL over `secure_inboxes` and `secure_queue`. A device's inbox row is the lock that orders its
 * items: each item takes the next `last_seq` in the transaction that stores it, so items become
 * visible in sequence order and a reader that fetches `after` a sequence number never skips one
 * that commits later (a global serial column would allow exactly that under concurrency).
 */
export class InboxStore {
  constructor(
    private readonly dialect: DialectName,
    private readonly maxQueueLength: number,
  ) {}

  /**
   * Queues `deliveries` (one per device) in `trx`, taking device locks in id order so that
   * concurrent fan-outs cannot deadlock. Throws HERALD_ERR_SECURE_QUEUE_FULL, queuing nothing,
   * when any device's inbox is full.
   */
  async enqueue(
    trx: Db,
    tenantId: TenantId,
    groupId: GroupId,
    deliveries: readonly Delivery[],
    now: number,
    ttlMs: number,
  ): Promise<Queued[]> {
    const sorted = [...deliveries].sort((a, b) =>
      a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0,
    );
    const queued: Queued[] = [];
    for (const d of sorted)
      queued.push({ deviceId: d.deviceId, seq: await this.#take(trx, tenantId, d.deviceId) });
    await insertRows(
      trx,
      this.dialect,
      'secure_queue',
      sorted.map((d, i) => ({
        device_id: d.deviceId,
        seq: queued[i]!.seq,
        tenant_id: tenantId,
        group_id: groupId,
        kind: d.kind,
        message: Buffer.from(d.message),
        message_id: d.messageId ?? null,
        sent_at: now,
        expires_at: now + ttlMs,
      })),
    );
    return queued;
  }

  /** The next sequence number of a device's inbox, counting the item against its length. */
  async #take(trx: Db, tenantId: TenantId, deviceId: string): Promise<number> {
    const bump = () =>
      trx
        .updateTable('secure_inboxes')
        .set((eb) => ({ last_seq: eb('last_seq', '+', 1), length: eb('length', '+', 1) }))
        .where('device_id', '=', deviceId)
        .where('tenant_id', '=', tenantId)
        .where('length', '<', this.maxQueueLength)
        .returning('last_seq')
        .executeTakeFirst();
    const bumped = await bump();
    if (bumped) return bumped.last_seq;
    const created = await trx
      .insertInto('secure_inboxes')
      .values({ ...emptyInbox(deviceId, tenantId), last_seq: 1, length: 1 })
      .onConflict((oc) => oc.column('device_id').doNothing())
      .executeTakeFirst();
    if ((created.numInsertedOrUpdatedRows ?? 0n) > 0n) return 1;
    // The row exists: full, or created by a concurrent first delivery that has now committed.
    const again = await bump();
    if (again) return again.last_seq;
    throw new HeraldError('HERALD_ERR_SECURE_QUEUE_FULL', { limit: this.maxQueueLength });
  }

  /** Items after `after`, oldest first; expired ones are never served. */
  async fetch(
    db: Db,
    tenantId: TenantId,
    deviceId: string,
    after: number,
    limit: number,
    now: number,
  ): Promise<InboxItem[]> {
    const rows = await db
      .selectFrom('secure_queue')
      .select(['seq', 'group_id', 'kind', 'message', 'sent_at'])
      .where('device_id', '=', deviceId)
      .where('tenant_id', '=', tenantId)
      .where('seq', '>', after)
      .where('expires_at', '>', now)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      seq: r.seq,
      groupId: r.group_id as GroupId,
      kind: r.kind,
      message: new Uint8Array(r.message),
      sentAt: r.sent_at,
    }));
  }

  /** The Herald messages among the items up to `upTo` (the adapter's, to report them delivered). */
  async messageIdsUpTo(db: Db, tenantId: TenantId, deviceId: string, upTo: number): Promise<string[]> {
    const rows = await db
      .selectFrom('secure_queue')
      .select('message_id')
      .where('device_id', '=', deviceId)
      .where('tenant_id', '=', tenantId)
      .where('seq', '<=', upTo)
      .where('message_id', 'is not', null)
      .execute();
    return rows.map((r) => r.message_id!);
  }

  /** Deletes the items up to `upTo`; returns how many went. */
  async ack(trx: Db, tenantId: TenantId, deviceId: string, upTo: number): Promise<number> {
    const r = await trx
      .deleteFrom('secure_queue')
      .where('device_id', '=', deviceId)
      .where('tenant_id', '=', tenantId)
      .where('seq', '<=', upTo)
      .executeTakeFirst();
    const n = Number(r.numDeletedRows);
    if (n > 0) await this.#shrink(trx, deviceId, n);
    return n;
  }

  async #shrink(trx: Db, deviceId: string, n: number): Promise<void> {
    await trx
      .updateTable('secure_inboxes')
      .set((eb) => ({ length: eb('length', '-', n) }))
      .where('device_id', '=', deviceId)
      .execute();
  }

  /** The devices holding expired items (at most `limit` of them). */
  async devicesWithExpired(db: Db, now: number, limit: number): Promise<string[]> {
    const rows = await db
      .selectFrom('secure_queue')
      .select('device_id')
      .distinct()
      .where('expires_at', '<=', now)
      .limit(limit)
      .execute();
    return rows.map((r) => r.device_id);
  }

  /** Deletes one device's expired items; returns how many went. */
  async expireDevice(trx: Db, deviceId: string, now: number): Promise<number> {
    const r = await trx
      .deleteFrom('secure_queue')
      .where('device_id', '=', deviceId)
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    const n = Number(r.numDeletedRows);
    if (n > 0) await this.#shrink(trx, deviceId, n);
    return n;
  }

  /** Forgets the adapter's de-duplication records older than `before`. */
  async expireSends(db: Db, before: number): Promise<number> {
    const r = await db.deleteFrom('secure_sends').where('queued_at', '<=', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** The last sequence number a device was given (0 when it has had nothing). */
  async lastSeq(db: Db, tenantId: TenantId, deviceId: string): Promise<number> {
    const row = await db
      .selectFrom('secure_inboxes')
      .select('last_seq')
      .where('device_id', '=', deviceId)
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return row?.last_seq ?? 0;
  }

  async setPushToken(
    db: Db,
    tenantId: TenantId,
    deviceId: string,
    push: { platform: 'apns' | 'fcm'; tokenSealed: string } | null,
  ): Promise<void> {
    const values = {
      push_platform: push?.platform ?? null,
      push_token_sealed: push?.tokenSealed ?? null,
      pushed_at: null,
    };
    await db
      .insertInto('secure_inboxes')
      .values({ ...emptyInbox(deviceId, tenantId), ...values })
      .onConflict((oc) => oc.column('device_id').doUpdateSet(values))
      .execute();
  }

  /**
   * Claims a wake-up push for each of `deviceIds` that has a push token, no live stream lease and
   * no push within `intervalMs`, in one statement: of several processes fanning out at once,
   * exactly one claims each device, so the rate limit holds across processes.
   */
  async claimWakes(
    db: Db,
    deviceIds: readonly string[],
    now: number,
    intervalMs: number,
  ): Promise<WakeTarget[]> {
    if (deviceIds.length === 0) return [];
    const rows = await db
      .updateTable('secure_inboxes')
      .set({ pushed_at: now })
      .where('device_id', 'in', deviceIds)
      .where('push_token_sealed', 'is not', null)
      .where((eb) => eb.or([eb('stream_until', 'is', null), eb('stream_until', '<', now)]))
      .where((eb) => eb.or([eb('pushed_at', 'is', null), eb('pushed_at', '<=', now - intervalMs)]))
      .returning(['device_id', 'tenant_id', 'push_platform', 'push_token_sealed'])
      .execute();
    return rows.map((r) => ({
      deviceId: r.device_id,
      tenantId: r.tenant_id as TenantId,
      platform: r.push_platform as 'apns' | 'fcm',
      tokenSealed: r.push_token_sealed!,
    }));
  }

  /** Records (or, with `null`, clears) the lease of an open stream. */
  async setStreamLease(db: Db, tenantId: TenantId, deviceId: string, until: number | null): Promise<void> {
    await db
      .insertInto('secure_inboxes')
      .values({ ...emptyInbox(deviceId, tenantId), stream_until: until })
      .onConflict((oc) => oc.column('device_id').doUpdateSet({ stream_until: until }))
      .execute();
  }

  /** Empties a device's inbox and forgets its push token (a revoked device gets nothing more). */
  async drop(trx: Db, tenantId: TenantId, deviceId: string): Promise<void> {
    await trx
      .deleteFrom('secure_queue')
      .where('device_id', '=', deviceId)
      .where('tenant_id', '=', tenantId)
      .execute();
    await trx
      .updateTable('secure_inboxes')
      .set({ length: 0, push_platform: null, push_token_sealed: null, stream_until: null })
      .where('device_id', '=', deviceId)
      .where('tenant_id', '=', tenantId)
      .execute();
  }
}

function emptyInbox(deviceId: string, tenantId: TenantId) {
  return {
    device_id: deviceId,
    tenant_id: tenantId,
    last_seq: 0,
    length: 0,
    push_platform: null,
    push_token_sealed: null,
    pushed_at: null,
    stream_until: null,
  };
}
