import type { Kysely, Transaction } from 'kysely';
import type { TenantId } from '../ids.ts';
import type { Database } from '../storage/schema.ts';
import type { GroupId, LeafIndex } from './group-id.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** A group row as the Delivery Service reads it. */
export interface GroupRow {
  readonly epoch: number;
  readonly seq: number;
}

/** One leaf of a group's routing roster. */
export interface RosterEntry {
  readonly leafIndex: LeafIndex;
  readonly userId: string;
  readonly deviceId: string;
}

/**
 * SQL over `secure_groups` and `secure_members`. Every method takes the transaction it runs in:
 * ordering is decided by row locks inside the caller's transaction.
 */
export class GroupStore {
  /** Creates a group whose only member is the creator at leaf 0. False when the id is taken. */
  async create(
    trx: Db,
    tenantId: TenantId,
    groupId: GroupId,
    creator: RosterEntry,
    now: number,
  ): Promise<boolean> {
    const r = await trx
      .insertInto('secure_groups')
      .values({
        tenant_id: tenantId,
        group_id: groupId,
        epoch: 0,
        seq: 0,
        group_info: null,
        group_info_epoch: null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'group_id']).doNothing())
      .executeTakeFirst();
    if ((r.numInsertedOrUpdatedRows ?? 0n) === 0n) return false;
    await this.addMembers(trx, tenantId, groupId, [creator], now);
    return true;
  }

  /**
   * Locks the group's row for the rest of the transaction by giving the next message its
   * position in the group's order, and returns the epoch and that position: every message of a
   * group is ordered by this lock, so no application message or proposal of an epoch lands in
   * device queues after the commit that ended it. Undefined when the group does not exist.
   */
  async take(trx: Db, tenantId: TenantId, groupId: GroupId): Promise<GroupRow | undefined> {
    return trx
      .updateTable('secure_groups')
      .set((eb) => ({ seq: eb('seq', '+', 1) }))
      .where('tenant_id', '=', tenantId)
      .where('group_id', '=', groupId)
      .returning(['epoch', 'seq'])
      .executeTakeFirst();
  }

  /**
   * Moves the group from `epoch` to the next one. The condition on the epoch makes this the
   * arbiter between concurrent commits (RFC 9420 §14: the first commit for an epoch wins): under
   * PostgreSQL's READ COMMITTED a second writer waits for the first's row lock, re-reads the row
   * and matches nothing. False when another commit got there first.
   */
  async advance(trx: Db, tenantId: TenantId, groupId: GroupId, epoch: number, now: number): Promise<boolean> {
    const r = await trx
      .updateTable('secure_groups')
      .set((eb) => ({ epoch: eb('epoch', '+', 1), updated_at: now }))
      .where('tenant_id', '=', tenantId)
      .where('group_id', '=', groupId)
      .where('epoch', '=', epoch)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** Every leaf of the roster, whatever the state of its device. */
  async roster(trx: Db, tenantId: TenantId, groupId: GroupId): Promise<RosterEntry[]> {
    const rows = await trx
      .selectFrom('secure_members')
      .select(['leaf_index', 'user_id', 'device_id'])
      .where('tenant_id', '=', tenantId)
      .where('group_id', '=', groupId)
      .orderBy('leaf_index')
      .execute();
    return rows.map(toEntry);
  }

  /**
   * The leaves whose device is active: where messages are routed. A suspended or revoked device
   * keeps its leaf until a commit removes it, but receives nothing from the moment its status
   * changes.
   */
  async activeMembers(trx: Db, tenantId: TenantId, groupId: GroupId): Promise<RosterEntry[]> {
    const rows = await trx
      .selectFrom('secure_members as m')
      .innerJoin('devices as d', (j) =>
        j.onRef('d.id', '=', 'm.device_id').onRef('d.tenant_id', '=', 'm.tenant_id'),
      )
      .select(['m.leaf_index', 'm.user_id', 'm.device_id'])
      .where('m.tenant_id', '=', tenantId)
      .where('m.group_id', '=', groupId)
      .where('d.status', '=', 'active')
      .orderBy('m.leaf_index')
      .execute();
    return rows.map(toEntry);
  }

  /** Leaves whose device was revoked: the Delivery Service proposes their removal each epoch. */
  async revokedLeaves(trx: Db, tenantId: TenantId, groupId: GroupId): Promise<LeafIndex[]> {
    const rows = await trx
      .selectFrom('secure_members as m')
      .innerJoin('devices as d', (j) =>
        j.onRef('d.id', '=', 'm.device_id').onRef('d.tenant_id', '=', 'm.tenant_id'),
      )
      .select('m.leaf_index')
      .where('m.tenant_id', '=', tenantId)
      .where('m.group_id', '=', groupId)
      .where('d.status', '=', 'revoked')
      .orderBy('m.leaf_index')
      .execute();
    return rows.map((r) => r.leaf_index as LeafIndex);
  }

  async removeLeaves(
    trx: Db,
    tenantId: TenantId,
    groupId: GroupId,
    leaves: readonly LeafIndex[],
  ): Promise<void> {
    if (leaves.length === 0) return;
    await trx
      .deleteFrom('secure_members')
      .where('tenant_id', '=', tenantId)
      .where('group_id', '=', groupId)
      .where('leaf_index', 'in', leaves)
      .execute();
  }

  async addMembers(
    trx: Db,
    tenantId: TenantId,
    groupId: GroupId,
    entries: readonly RosterEntry[],
    now: number,
  ): Promise<void> {
    if (entries.length === 0) return;
    await trx
      .insertInto('secure_members')
      .values(
        entries.map((e) => ({
          tenant_id: tenantId,
          group_id: groupId,
          leaf_index: e.leafIndex,
          user_id: e.userId,
          device_id: e.deviceId,
          joined_at: now,
        })),
      )
      .execute();
  }

  async setGroupInfo(
    trx: Db,
    tenantId: TenantId,
    groupId: GroupId,
    groupInfo: Uint8Array,
    epoch: number,
  ): Promise<void> {
    await trx
      .updateTable('secure_groups')
      .set({ group_info: Buffer.from(groupInfo), group_info_epoch: epoch })
      .where('tenant_id', '=', tenantId)
      .where('group_id', '=', groupId)
      .execute();
  }

  async groupInfo(
    db: Db,
    tenantId: TenantId,
    groupId: GroupId,
  ): Promise<{ groupInfo: Uint8Array; epoch: number } | undefined> {
    const row = await db
      .selectFrom('secure_groups')
      .select(['group_info', 'group_info_epoch'])
      .where('tenant_id', '=', tenantId)
      .where('group_id', '=', groupId)
      .executeTakeFirst();
    if (row?.group_info == null || row.group_info_epoch === null) return undefined;
    return { groupInfo: new Uint8Array(row.group_info), epoch: row.group_info_epoch };
  }

  /** The groups in which a device holds a leaf, with that leaf. */
  async leavesOf(
    db: Db,
    tenantId: TenantId,
    deviceId: string,
  ): Promise<Array<{ groupId: GroupId; leafIndex: LeafIndex }>> {
    const rows = await db
      .selectFrom('secure_members')
      .select(['group_id', 'leaf_index'])
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId)
      .execute();
    return rows.map((r) => ({ groupId: r.group_id as GroupId, leafIndex: r.leaf_index as LeafIndex }));
  }
}

function toEntry(r: { leaf_index: number; user_id: string; device_id: string }): RosterEntry {
  return { leafIndex: r.leaf_index as LeafIndex, userId: r.user_id, deviceId: r.device_id };
}
