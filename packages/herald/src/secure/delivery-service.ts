import type { Transaction } from 'kysely';
import { HeraldError } from '../errors/index.ts';
import type { TenantId } from '../ids.ts';
import type { DevicePrincipal } from '../keys/device-principal.ts';
import type { Database } from '../storage/schema.ts';
import type { Store } from '../storage/store.ts';
import type { RemovalProposer } from './external-sender.ts';
import type { Fanout } from './fan-out.ts';
import {
  checkEpoch,
  mlsBytes,
  readGroupInfo,
  readGroupMessage,
  readWelcome,
  type FramingReader,
  type GroupMessageFraming,
} from './framing-checks.ts';
import { parseGroupId, type GroupId, type LeafIndex } from './group-id.ts';
import type { GroupStore, RosterEntry } from './group-store.ts';
import type { Delivery, InboxStore, Queued } from './inbox-store.ts';
import { planRoster, type DeviceFacts, type RosterChange } from './roster-plan.ts';
import type { SecureLimits } from './secure-limits.ts';
import { refHex, type WelcomeRecipients } from './welcome-recipients.ts';

type Tx = Transaction<Database>;

/**
 * Groups whose Remove proposals share one transaction when a device is revoked: large enough that
 * a typical device's groups go in one commit, small enough that the writer is not held for long.
 */
const REVOCATION_BATCH = 128;

/** `POST /v1/groups/:groupId/handshake`, after schema validation (binary values in base64). */
export interface HandshakeRequest {
  readonly message: string;
  readonly welcome?: string;
  readonly groupInfo?: string;
  readonly roster?: Partial<RosterChange>;
}

/** An application message the `secure` channel adapter hands over for a Herald message. */
export interface UserDelivery {
  readonly tenantId: TenantId;
  readonly messageId: string;
  /** The recipient's Herald user id (without the `user:` prefix). */
  readonly userId: string;
  readonly groupId: string;
  readonly message: string;
}

/** What the Delivery Service is built from. */
export interface DeliveryServiceDeps {
  readonly store: Store;
  readonly framing: FramingReader;
  readonly limits: SecureLimits;
  readonly groups: GroupStore;
  readonly inboxes: InboxStore;
  readonly fanout: Fanout;
  /** Resolves Welcome recipients by KeyPackageRef; absent: `roster.added` says who they are. */
  readonly welcomeRecipients?: WelcomeRecipients;
  /** Signs Remove proposals as the groups' external sender; absent: no proposals for revoked leaves. */
  readonly proposer?: RemovalProposer;
  readonly now?: () => number;
}

/**
 * The MLS Delivery Service (RFC 9420 §3, RFC 9750 §5): groups per tenant, a routing roster per
 * group, one total order of messages per group with the first commit for an epoch winning, and
 * fan-out of ciphertext into device inboxes. It reads framing only and never holds group secrets.
 * Every write is one transaction; nothing is queued for anyone when any check fails.
 */
export class DeliveryService {
  readonly #now: () => number;

  constructor(private readonly deps: DeliveryServiceDeps) {
    this.#now = deps.now ?? Date.now;
  }

  get limits(): SecureLimits {
    return this.deps.limits;
  }

  /** Creates a group whose first member (leaf 0, epoch 0) is the calling device. */
  async createGroup(
    device: DevicePrincipal,
    groupIdText: string,
  ): Promise<{ groupId: GroupId; epoch: number }> {
    const groupId = parseGroupId(groupIdText);
    const creator = { leafIndex: 0 as LeafIndex, userId: device.userId, deviceId: device.deviceId };
    const created = await this.deps.store.tx.run((trx) =>
      this.deps.groups.create(trx, device.tenantId, groupId, creator, this.#now()),
    );
    if (!created) throw new HeraldError('HERALD_ERR_SECURE_GROUP_EXISTS');
    return { groupId, epoch: 0 };
  }

  /**
   * Takes a commit or proposal. A commit must be for the group's current epoch and is the only
   * one for it; it moves the group on, applies the reported roster, stores the GroupInfo, and
   * queues the commit to every member device (the committer too: it merges its pending commit on
   * the echo) and the Welcome to the added devices. A proposal is queued to every member device.
   */
  async handshake(
    device: DevicePrincipal,
    groupIdText: string,
    req: HandshakeRequest,
  ): Promise<{ epoch: number }> {
    const { framing: reader, limits } = this.deps;
    const groupId = parseGroupId(groupIdText);
    const message = mlsBytes(req.message, 'message', limits.maxMessageBytes);
    const framing = readGroupMessage(reader, message, groupId, ['commit', 'proposal']);
    if (framing.contentType === 'proposal') {
      if (req.welcome !== undefined || req.groupInfo !== undefined || req.roster !== undefined)
        throw new HeraldError('HERALD_ERR_SECURE_INVALID_HANDSHAKE', {
          detail: 'a proposal comes without Welcome, GroupInfo or roster',
        });
      return this.#proposal(device, groupId, framing, message);
    }
    const welcome =
      req.welcome === undefined ? undefined : mlsBytes(req.welcome, 'welcome', limits.maxMessageBytes);
    const refs = welcome === undefined ? undefined : readWelcome(reader, welcome);
    const groupInfo =
      req.groupInfo === undefined ? undefined : mlsBytes(req.groupInfo, 'groupInfo', limits.maxMessageBytes);
    if (groupInfo !== undefined) readGroupInfo(reader, groupInfo, groupId, framing.epoch + 1n);
    const change: RosterChange = { added: req.roster?.added ?? [], removed: req.roster?.removed ?? [] };
    if (change.added.length + change.removed.length > limits.maxRosterChanges)
      throw new HeraldError('HERALD_ERR_SECURE_INVALID_ROSTER', {
        detail: `more than ${limits.maxRosterChanges} changes in one commit`,
      });
    if (refs !== undefined && change.added.length === 0)
      throw new HeraldError('HERALD_ERR_SECURE_INVALID_HANDSHAKE', {
        detail: 'a Welcome needs the devices it adds in roster.added',
      });
    // RFC 9420 §12.4.3.2: an external commit (a member's device re-joining from the GroupInfo)
    // is a PublicMessage whose sender is `new_member_commit`; its committer is not a member yet.
    const external = framing.sender?.type === 'new_member_commit';
    if (external && !change.added.some((a) => a.deviceId === device.deviceId && a.userId === device.userId))
      throw new HeraldError('HERALD_ERR_SECURE_INVALID_HANDSHAKE', {
        detail: 'an external commit must add the committing device to the roster',
      });
    // Resolved before the transaction: a claim's owner never changes, and the lookup must not
    // wait for a connection the transaction holds (SQLite has one).
    const welcomeTo =
      refs === undefined ? undefined : await this.#welcomeRecipients(device.tenantId, refs, change.added);

    const { epoch, queued } = await this.deps.store.tx.run(async (trx) => {
      const now = this.#now();
      const tenant = device.tenantId;
      const group = await this.deps.groups.take(trx, tenant, groupId);
      if (!group) throw new HeraldError('HERALD_ERR_SECURE_GROUP_NOT_FOUND');
      const roster = await this.deps.groups.roster(trx, tenant, groupId);
      const members = await this.deps.groups.activeMembers(trx, tenant, groupId);
      const allowed = external
        ? roster.some((e) => e.userId === device.userId)
        : members.some((e) => e.deviceId === device.deviceId);
      if (!allowed) throw new HeraldError('HERALD_ERR_SECURE_NOT_MEMBER');
      checkEpoch(framing.epoch, group.epoch);
      if (!(await this.deps.groups.advance(trx, tenant, groupId, group.epoch, now)))
        throw new HeraldError('HERALD_ERR_SECURE_STALE_EPOCH', {
          epoch: framing.epoch.toString(),
          current: group.epoch + 1,
        });
      const next = group.epoch + 1;

      const devices = await this.#devices(
        trx,
        tenant,
        change.added.map((a) => a.deviceId),
      );
      const plan = planRoster(roster, change, devices, this.deps.limits.maxMembers);
      await this.deps.groups.removeLeaves(trx, tenant, groupId, plan.remove);
      await this.deps.groups.addMembers(trx, tenant, groupId, plan.add, now);
      if (groupInfo !== undefined) await this.deps.groups.setGroupInfo(trx, tenant, groupId, groupInfo, next);

      // Every device that must process the commit: the members before it (a removed member
      // learns of its removal from it), and the external committer, which waits for its echo.
      const commitTo = external
        ? [...members.map((m) => m.deviceId), device.deviceId]
        : members.map((m) => m.deviceId);
      const deliveries: Delivery[] = [...new Set(commitTo)].map((deviceId) => ({
        deviceId,
        kind: 'commit',
        message,
      }));
      if (welcome !== undefined && welcomeTo !== undefined)
        for (const deviceId of welcomeTo) deliveries.push({ deviceId, kind: 'welcome', message: welcome });
      const queued = await this.#enqueue(trx, tenant, groupId, deliveries, now);
      queued.push(...(await this.#proposeRemovals(trx, tenant, groupId, next, now)));
      return { epoch: next, queued };
    });
    await this.deps.fanout.delivered(queued);
    return { epoch };
  }

  async #proposal(
    device: DevicePrincipal,
    groupId: GroupId,
    framing: GroupMessageFraming,
    message: Uint8Array,
  ): Promise<{ epoch: number }> {
    const { epoch, queued } = await this.deps.store.tx.run(async (trx) => {
      const now = this.#now();
      const { group, members } = await this.#memberView(trx, device, groupId);
      checkEpoch(framing.epoch, group.epoch);
      const deliveries = members.map((m): Delivery => ({ deviceId: m.deviceId, kind: 'proposal', message }));
      return {
        epoch: group.epoch,
        queued: await this.#enqueue(trx, device.tenantId, groupId, deliveries, now),
      };
    });
    await this.deps.fanout.delivered(queued);
    return { epoch };
  }

  /**
   * Takes an application PrivateMessage of the current epoch and queues it to every other member
   * device. `seq` is the message's position in the group's order.
   */
  async postApplication(
    device: DevicePrincipal,
    groupIdText: string,
    messageText: string,
  ): Promise<{ seq: number }> {
    const groupId = parseGroupId(groupIdText);
    const message = mlsBytes(messageText, 'message', this.deps.limits.maxMessageBytes);
    const framing = readGroupMessage(this.deps.framing, message, groupId, ['application']);
    const { seq, queued } = await this.deps.store.tx.run(async (trx) => {
      const now = this.#now();
      const { group, members } = await this.#memberView(trx, device, groupId);
      checkEpoch(framing.epoch, group.epoch);
      const deliveries = members
        .filter((m) => m.deviceId !== device.deviceId)
        .map((m): Delivery => ({ deviceId: m.deviceId, kind: 'application', message }));
      return { seq: group.seq, queued: await this.#enqueue(trx, device.tenantId, groupId, deliveries, now) };
    });
    await this.deps.fanout.delivered(queued);
    return { seq };
  }

  /**
   * Queues a Herald message's ciphertext (from `POST /v1/messages`, through the `secure` channel
   * adapter) into its group as an application message, to every active member device; the items
   * of the recipient's devices carry the message id, so their acknowledgement is its delivery
   * receipt. The group must hold an active device of the recipient: otherwise
   * HERALD_ERR_SECURE_NOT_MEMBER. Queuing one message id twice queues it once.
   */
  async deliverToUser(d: UserDelivery): Promise<{ queued: boolean }> {
    const groupId = parseGroupId(d.groupId);
    const message = mlsBytes(d.message, 'message', this.deps.limits.maxMessageBytes);
    const framing = readGroupMessage(this.deps.framing, message, groupId, ['application']);
    const queued = await this.deps.store.tx.run(async (trx) => {
      const now = this.#now();
      const first = await trx
        .insertInto('secure_sends')
        .values({ tenant_id: d.tenantId, message_id: d.messageId, group_id: groupId, queued_at: now })
        .onConflict((oc) => oc.columns(['tenant_id', 'message_id']).doNothing())
        .executeTakeFirst();
      if ((first.numInsertedOrUpdatedRows ?? 0n) === 0n) return undefined;
      const group = await this.deps.groups.take(trx, d.tenantId, groupId);
      if (!group) throw new HeraldError('HERALD_ERR_SECURE_GROUP_NOT_FOUND');
      checkEpoch(framing.epoch, group.epoch);
      const members = await this.deps.groups.activeMembers(trx, d.tenantId, groupId);
      if (!members.some((m) => m.userId === d.userId)) throw new HeraldError('HERALD_ERR_SECURE_NOT_MEMBER');
      const deliveries = members.map((m): Delivery => ({
        deviceId: m.deviceId,
        kind: 'application',
        message,
        ...(m.userId === d.userId ? { messageId: d.messageId } : {}),
      }));
      return this.#enqueue(trx, d.tenantId, groupId, deliveries, now);
    });
    if (queued) await this.deps.fanout.delivered(queued);
    return { queued: queued !== undefined };
  }

  /**
   * The latest GroupInfo, for a member device or a device of a member user re-joining (RFC 9420
   * §12.4.3.2: an external commit starts from the GroupInfo).
   */
  async groupInfo(
    device: DevicePrincipal,
    groupIdText: string,
  ): Promise<{ groupInfo: Uint8Array; epoch: number }> {
    const groupId = parseGroupId(groupIdText);
    const db = this.deps.store.conn.db;
    const roster = await this.deps.groups.roster(db, device.tenantId, groupId);
    if (!roster.some((e) => e.userId === device.userId)) {
      const exists = await db
        .selectFrom('secure_groups')
        .select('epoch')
        .where('tenant_id', '=', device.tenantId)
        .where('group_id', '=', groupId)
        .executeTakeFirst();
      throw new HeraldError(exists ? 'HERALD_ERR_SECURE_NOT_MEMBER' : 'HERALD_ERR_SECURE_GROUP_NOT_FOUND');
    }
    const info = await this.deps.groups.groupInfo(db, device.tenantId, groupId);
    if (!info) throw new HeraldError('HERALD_ERR_SECURE_NO_GROUP_INFO');
    return info;
  }

  /**
   * Proposes the removal of a revoked device's leaf in each of its groups, as the groups' external
   * sender, queued to the remaining members; the next member to commit removes it. Routing to the
   * device stopped when its status changed (only active devices receive). Returns the groups.
   *
   * The proposals of many groups share one transaction (one commit and, on SQLite, one flush) and
   * one announcement: a member online learns of all of them in one fetch and can commit them
   * back to back, instead of being woken group by group while the rest are still being written.
   */
  async proposeRemovalsOf(tenantId: TenantId, deviceId: string): Promise<number> {
    const leaves = await this.deps.groups.leavesOf(this.deps.store.conn.db, tenantId, deviceId);
    let proposed = 0;
    for (let i = 0; i < leaves.length; i += REVOCATION_BATCH) {
      const batch = leaves.slice(i, i + REVOCATION_BATCH);
      const { queued, groups } = await this.deps.store.tx.run(async (trx) => {
        const now = this.#now();
        const queued: Queued[] = [];
        let groups = 0;
        for (const { groupId, leafIndex } of batch) {
          const group = await this.deps.groups.take(trx, tenantId, groupId);
          if (!group) continue;
          const q = await this.#proposeRemovals(
            trx,
            tenantId,
            groupId,
            group.epoch,
            now,
            [leafIndex],
            deviceId,
          );
          if (q.length > 0) groups++;
          queued.push(...q);
        }
        return { queued, groups };
      });
      proposed += groups;
      await this.deps.fanout.delivered(queued);
    }
    return proposed;
  }

  /**
   * Queues an external Remove proposal for each revoked leaf (or for `leaves`) at `epoch`. A
   * proposal only counts in its epoch (RFC 9420 §12.1), so this runs again after every commit
   * that leaves a revoked device in the group.
   */
  async #proposeRemovals(
    trx: Tx,
    tenantId: TenantId,
    groupId: GroupId,
    epoch: number,
    now: number,
    leaves?: readonly LeafIndex[],
    revokedDevice?: string,
  ): Promise<Queued[]> {
    const proposer = this.deps.proposer;
    if (!proposer) return [];
    const targets = leaves ?? (await this.deps.groups.revokedLeaves(trx, tenantId, groupId));
    if (targets.length === 0) return [];
    const members = (await this.deps.groups.activeMembers(trx, tenantId, groupId)).filter(
      (m) => m.deviceId !== revokedDevice,
    );
    const queued: Queued[] = [];
    for (const leaf of targets) {
      const proposal = await proposer(groupId, epoch, leaf);
      const deliveries = members.map((m): Delivery => ({
        deviceId: m.deviceId,
        kind: 'proposal',
        message: proposal,
      }));
      queued.push(...(await this.#enqueue(trx, tenantId, groupId, deliveries, now)));
    }
    return queued;
  }

  /** Locks the group and checks that the caller is one of its active member devices. */
  async #memberView(
    trx: Tx,
    device: DevicePrincipal,
    groupId: GroupId,
  ): Promise<{ group: { epoch: number; seq: number }; members: RosterEntry[] }> {
    const group = await this.deps.groups.take(trx, device.tenantId, groupId);
    if (!group) throw new HeraldError('HERALD_ERR_SECURE_GROUP_NOT_FOUND');
    const members = await this.deps.groups.activeMembers(trx, device.tenantId, groupId);
    if (!members.some((m) => m.deviceId === device.deviceId))
      throw new HeraldError('HERALD_ERR_SECURE_NOT_MEMBER');
    return { group, members };
  }

  #enqueue(
    trx: Tx,
    tenantId: TenantId,
    groupId: GroupId,
    deliveries: Delivery[],
    now: number,
  ): Promise<Queued[]> {
    return this.deps.inboxes.enqueue(trx, tenantId, groupId, deliveries, now, this.deps.limits.queueTtlMs);
  }

  /** The devices a roster names, in the caller's tenant only. */
  async #devices(trx: Tx, tenantId: TenantId, ids: readonly string[]): Promise<Map<string, DeviceFacts>> {
    if (ids.length === 0) return new Map();
    const rows = await trx
      .selectFrom('devices')
      .select(['id', 'user_id', 'status'])
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', [...new Set(ids)])
      .execute();
    return new Map(rows.map((r) => [r.id, { id: r.id, userId: r.user_id, status: r.status }]));
  }

  /**
   * The devices a Welcome goes to. With a resolver (the `keys` part's KeyPackage claims; the
   * gateway always has one), exactly the devices whose claimed KeyPackages its `secrets[]`
   * name (RFC 9420 §12.4.3.1), and `roster.added` must list the same devices: a committer
   * cannot send a Welcome where it did not claim, nor add a device it sends no Welcome. Without
   * a resolver (rigs without the `keys` part), the added devices, one Welcome entry each.
   */
  async #welcomeRecipients(
    tenantId: TenantId,
    refs: readonly Uint8Array[],
    added: readonly Pick<RosterEntry, 'deviceId'>[],
  ): Promise<string[]> {
    const addedIds = new Set(added.map((a) => a.deviceId));
    const resolve = this.deps.welcomeRecipients;
    if (!resolve) {
      if (refs.length !== added.length)
        throw new HeraldError('HERALD_ERR_SECURE_INVALID_HANDSHAKE', {
          detail: `the Welcome has ${refs.length} recipients, the roster adds ${added.length} devices`,
        });
      return [...addedIds];
    }
    const byRef = await resolve(tenantId, refs);
    const devices = new Set<string>();
    for (const ref of refs) {
      const deviceId = byRef.get(refHex(ref));
      if (deviceId === undefined) throw new HeraldError('HERALD_ERR_SECURE_UNKNOWN_KEY_PACKAGE');
      devices.add(deviceId);
    }
    if (devices.size !== addedIds.size || [...devices].some((d) => !addedIds.has(d)))
      throw new HeraldError('HERALD_ERR_SECURE_INVALID_ROSTER', {
        detail: "roster.added must list exactly the devices the Welcome's KeyPackageRefs name",
      });
    return [...devices];
  }
}
