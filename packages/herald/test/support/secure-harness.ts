// The secure channel over real HTTP (app.inject) and a real store, with real MLS clients: each
// test device runs the MLS engine on its side, as the SDK will, and talks to the Delivery
// Service only through the API.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { generateApiKey } from '../../src/api/api-key.ts';
import { buildApi } from '../../src/api/server.ts';
import type { ChannelAdapter, Receipt } from '../../src/channels/channel-adapter.ts';
import { SecretBox } from '../../src/crypto/secret-box.ts';
import { nodeCryptoProvider } from '../../src/e2ee/mls/crypto/node-crypto-provider.ts';
import type {
  MlsGroupState,
  MlsKeyPackageBundle,
  MlsPendingCommit,
  MlsSignatureKeyPair,
} from '../../src/e2ee/mls/mls-engine.ts';
import { MlsTestWorld } from '../../src/e2ee/mls/mls-test-kit.ts';
import type { TenantId } from '../../src/ids.ts';
import { generateDeviceToken } from '../../src/keys/device-token.ts';
import { AcceptQueue } from '../../src/messages/accept-queue.ts';
import { AcceptService } from '../../src/messages/accept-service.ts';
import { builtinPolicy } from '../../src/policy/builtin-policy.ts';
import type { PolicyEngine } from '../../src/policy/decision.ts';
import { EXTERNAL_SENDER_IDENTITY } from '../../src/secure/external-sender.ts';
import { SecureChannel } from '../../src/secure/secure-channel.ts';
import type { SecureLimits } from '../../src/secure/secure-limits.ts';
import type { WelcomeRecipients } from '../../src/secure/welcome-recipients.ts';
import type { Store } from '../../src/storage/store.ts';
import { decodeBase64, encodeBase64 } from '../../src/tlog/base64.ts';

export const b64 = encodeBase64;
export const unb64 = (s: string): Uint8Array => decodeBase64(s)!;

/** Options of {@link secureRig}. */
export interface SecureRigOptions {
  readonly limits?: Partial<SecureLimits>;
  /** The PostgreSQL URL, for LISTEN/NOTIFY (the store's own). */
  readonly databaseUrl?: string;
  readonly push?: Pick<ChannelAdapter, 'send'>;
  /** Shared by rigs that stand for several processes over one database (one master key). */
  readonly box?: SecretBox;
  readonly world?: MlsTestWorld;
  readonly policy?: PolicyEngine;
  readonly now?: () => number;
  /** Welcome routing by KeyPackageRef (the `keys` part's claims); absent: by `roster.added`. */
  readonly welcomeRecipients?: WelcomeRecipients;
}

/** An inbox item as the API returns it. */
export interface Item {
  seq: number;
  groupId: string;
  kind: 'commit' | 'proposal' | 'welcome' | 'application';
  message: string;
  sentAt: string;
}

/** One API process with the secure channel, over `store`. */
export interface SecureRig {
  readonly store: Store;
  readonly app: FastifyInstance;
  readonly channel: SecureChannel;
  readonly world: MlsTestWorld;
  readonly box: SecretBox;
  readonly receipts: Receipt[];
  tenant(name?: string): Promise<TenantId>;
  senderKey(tenant: TenantId): Promise<string>;
  device(userId: string, deviceId: string, tenant?: TenantId): Promise<TestDevice>;
  close(): Promise<void>;
}

export async function secureRig(store: Store, opts: SecureRigOptions = {}): Promise<SecureRig> {
  const box = opts.box ?? new SecretBox(randomBytes(32));
  const world = opts.world ?? new MlsTestWorld(nodeCryptoProvider);
  const receipts: Receipt[] = [];
  const channel = await SecureChannel.open({
    store,
    box,
    engine: world.engine,
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
    ...(opts.push ? { push: opts.push } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.welcomeRecipients ? { welcomeRecipients: opts.welcomeRecipients } : {}),
    receipts: async (r) => {
      receipts.push(r);
      await store.delivery.recordReceipt(r);
    },
  });
  // Members check the Delivery Service's proposals against the key directory, as against any leaf.
  world.directory.publish(EXTERNAL_SENDER_IDENTITY, channel.externalSender.signer.publicKey);
  const accept = new AcceptService({
    queue: new AcceptQueue(store.messages),
    store: store.messages,
    policy: () => opts.policy ?? builtinPolicy,
    box,
    retentionClasses: new Set(['standard']),
    defaultRetention: 'standard',
    mls: world.engine,
  });
  const app = await buildApi({ store, accept, box, readiness: async () => [], secure: channel });
  let defaultTenant: Promise<TenantId> | undefined;
  const rig: SecureRig = {
    store,
    app,
    channel,
    world,
    box,
    receipts,
    async tenant(name = 'acme') {
      const t = (await store.tenants.findTenantByName(name)) ?? (await store.tenants.createTenant(name));
      return t.id;
    },
    async senderKey(tenant) {
      const { key, hash } = generateApiKey();
      await store.tenants.createApiKey(tenant, 'sender', 'sender', hash);
      return key;
    },
    async device(userId, deviceId, tenant) {
      defaultTenant ??= rig.tenant();
      const tenantId = tenant ?? (await defaultTenant);
      const member = await world.enroll(userId, deviceId);
      const { token, hash } = generateDeviceToken();
      await store.devices.insert(
        {
          id: deviceId,
          tenantId,
          userId,
          name: deviceId,
          managed: false,
          signatureKey: member.signer.publicKey,
          enrolledAt: Date.now(),
        },
        hash,
      );
      return new TestDevice(rig, tenantId, userId, deviceId, token, member.signer, member.keyPackage);
    },
    async close() {
      await app.close();
      await channel.close();
    },
  };
  return rig;
}

/** An enrolled device with its own MLS state, speaking to the Delivery Service over HTTP. */
export class TestDevice {
  state: MlsGroupState | undefined;
  pending: MlsPendingCommit | undefined;
  /** The state a commit sent with its GroupInfo leads to (merged early to build the GroupInfo). */
  pendingNext: MlsGroupState | undefined;
  bundle: MlsKeyPackageBundle | undefined;
  cursor = 0;

  constructor(
    private readonly rig: SecureRig,
    readonly tenantId: TenantId,
    readonly userId: string,
    readonly deviceId: string,
    readonly token: string,
    readonly signer: MlsSignatureKeyPair,
    private readonly makeKeyPackage: () => Promise<MlsKeyPackageBundle>,
  ) {}

  get engine() {
    return this.rig.world.engine;
  }

  /** A fresh KeyPackage, kept for joining from a Welcome. */
  async keyPackage(): Promise<MlsKeyPackageBundle> {
    this.bundle = await this.makeKeyPackage();
    return this.bundle;
  }

  request(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object, app = this.rig.app) {
    return app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${this.token}` },
      ...(payload === undefined ? {} : { payload }),
    });
  }

  /** Creates a group on its side and on the server, naming the Delivery Service as external sender. */
  async createGroup(groupId: Uint8Array = randomBytes(32)): Promise<string> {
    this.state = await this.engine.createGroup(await this.keyPackage(), {
      groupId,
      externalSenders: [
        {
          identity: EXTERNAL_SENDER_IDENTITY,
          signaturePublicKey: this.rig.channel.externalSender.signer.publicKey,
        },
      ],
    });
    const res = await this.request('POST', '/v1/groups', { groupId: b64(groupId) });
    if (res.statusCode !== 201) throw new Error(`create group: ${res.statusCode} ${res.body}`);
    return b64(groupId);
  }

  /** Commits adding `devices` (at the given leaves) and posts the commit with its Welcome. */
  async add(groupId: string, devices: Array<[TestDevice, number]>): Promise<LightMyRequestResponse> {
    const kps = await Promise.all(devices.map(([d]) => d.keyPackage()));
    const out = await this.engine.addMembers(
      this.state!,
      kps.map((k) => k.keyPackage),
    );
    this.pending = out.pending;
    return this.request('POST', `/v1/groups/${encodeURIComponent(groupId)}/handshake`, {
      message: b64(out.commit),
      welcome: b64(out.welcome!),
      roster: {
        added: devices.map(([d, leafIndex]) => ({ userId: d.userId, deviceId: d.deviceId, leafIndex })),
      },
    });
  }

  /** Commits the proposals received so far (or an empty commit) and posts it. */
  async commit(groupId: string, roster?: object): Promise<LightMyRequestResponse> {
    const out = await this.engine.commitPending(this.state!);
    this.pending = out.pending;
    return this.request('POST', `/v1/groups/${encodeURIComponent(groupId)}/handshake`, {
      message: b64(out.commit),
      ...(roster === undefined ? {} : { roster }),
    });
  }

  /**
   * Commits the proposals received so far and posts the commit with the GroupInfo of the epoch it
   * makes, as the SDK does: the pending commit is merged into a copy first, to sign the GroupInfo.
   */
  async commitWithGroupInfo(groupId: string, roster?: object): Promise<LightMyRequestResponse> {
    const out = await this.engine.commitPending(this.state!);
    this.pending = out.pending;
    this.pendingNext = this.engine.mergePendingCommit(out.pending);
    return this.request('POST', `/v1/groups/${encodeURIComponent(groupId)}/handshake`, {
      message: b64(out.commit),
      groupInfo: b64(await this.engine.groupInfo(this.pendingNext)),
      ...(roster === undefined ? {} : { roster }),
    });
  }

  /** Encrypts `text` for the group. */
  async encrypt(text: string): Promise<string> {
    const r = await this.engine.encrypt(this.state!, new TextEncoder().encode(text));
    this.state = r.state;
    return b64(r.message);
  }

  async inbox(limit?: number): Promise<Item[]> {
    const res = await this.request(
      'GET',
      `/v1/devices/me/inbox?after=${this.cursor}${limit ? `&limit=${limit}` : ''}`,
    );
    if (res.statusCode !== 200) throw new Error(`inbox: ${res.statusCode} ${res.body}`);
    const items = (res.json() as { items: Item[] }).items;
    if (items.length > 0) this.cursor = items.at(-1)!.seq;
    return items;
  }

  async ack(upTo = this.cursor): Promise<number> {
    const res = await this.request('POST', '/v1/devices/me/inbox/ack', { upTo });
    if (res.statusCode !== 200) throw new Error(`ack: ${res.statusCode} ${res.body}`);
    return (res.json() as { removed: number }).removed;
  }

  /**
   * Applies what the inbox holds, as a client does: joins from a Welcome, merges its own commit
   * when it comes back, processes the others' handshakes; returns the texts it decrypted.
   */
  async sync(): Promise<string[]> {
    const texts: string[] = [];
    for (const item of await this.inbox()) {
      const bytes = unb64(item.message);
      if (item.kind === 'welcome') {
        this.state = await this.engine.joinFromWelcome(bytes, this.bundle!);
      } else if (item.kind === 'commit' && this.pending && b64(this.pending.commit) === item.message) {
        this.state = this.pendingNext ?? this.engine.mergePendingCommit(this.pending);
        this.pending = undefined;
        this.pendingNext = undefined;
      } else {
        const r = await this.engine.processMessage(this.state!, bytes);
        this.state = r.state;
        if (r.kind === 'application') texts.push(new TextDecoder().decode(r.plaintext));
      }
    }
    await this.ack();
    return texts;
  }

  /** The identities of the group's members, as this device's state shows them. */
  members(): string[] {
    return this.engine
      .members(this.state!)
      .map((m) => `${m.identity?.userId}:${m.identity?.deviceId}`)
      .sort();
  }
}
