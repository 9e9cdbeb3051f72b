import { randomBytes } from 'node:crypto';
import { createNodeMlsEngine } from '@herald/server/mls/node';
import type { MlsEngine, MlsSignatureKeyPair } from '@herald/server/mls';
import type { FetchLike } from '../../src/http/http-client.ts';
import { FakeKeyLog, type FakeEntry } from './fake-key-log.ts';

interface Device {
  readonly id: string;
  readonly userId: string;
  readonly token: string;
  readonly key: Uint8Array;
  status: 'active' | 'revoked';
  keyPackages: Uint8Array[];
  lastResort: Uint8Array | undefined;
  inbox: { seq: number; groupId: string; kind: string; message: string; sentAt: string }[];
}

interface Group {
  epoch: bigint;
  readonly members: Map<number, string>;
  groupInfo: string | undefined;
}

const json = (status: number, body: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
const error = (status: number, code: string) =>
  json(status, { error: { code, message: code, reason: 'x', retryable: false, requestId: 'req' } });
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

/**
 * The secure channel's routes (docs/secure-channel.md) in memory, over a real key log and real
 * MLS framing, as a `fetch` function. A test double on purpose: these tests make the server
 * misbehave (substitute a claimed device's key, fork its log) and force commit races, which the
 * real gateway cannot be made to do; the end-to-end test runs the honest flows against the real
 * server. It trusts devices (no KeyPackage validation): the client is under test, not the server.
 */
export class FakeHerald {
  readonly log = new FakeKeyLog();
  readonly #engine: MlsEngine = createNodeMlsEngine({
    credentialValidator: { validate: async () => ({ ok: false, reason: 'unknown_device' }) },
  });
  readonly #devices = new Map<string, Device>();
  readonly #tokens = new Map<string, string>();
  readonly #groups = new Map<string, Group>();
  #seq = 0;
  /** Calls by route, e.g. `POST /v1/groups/:id/handshake`. */
  readonly calls: string[] = [];
  /** Rewrites a claim's answer (to substitute a device's KeyPackage). */
  onClaim: ((devices: ClaimedDevice[]) => Promise<ClaimedDevice[]>) | undefined;
  /** Runs before a handshake is applied (to let another device win the epoch first). */
  beforeHandshake: ((deviceId: string) => Promise<void>) | undefined;
  ds!: { signer: MlsSignatureKeyPair };

  async start(): Promise<this> {
    const signer = await this.#engine.generateSignatureKeyPair();
    this.ds = { signer };
    await this.log.append({ user: 'herald', device: 'ds', key: signer.publicKey, tenant: '-' });
    return this;
  }

  /** A one-time enrollment token for `userId`. */
  enrollmentToken(userId: string): string {
    const t = `het_${randomBytes(12).toString('hex')}`;
    this.#tokens.set(t, userId);
    return t;
  }

  /** The server's view of a group: its epoch and which device sits on which leaf. */
  group(groupId: string): Group | undefined {
    return this.#groups.get(groupId);
  }

  #queue(deviceId: string, groupId: string, kind: string, message: string): number {
    const seq = ++this.#seq;
    this.#devices
      .get(deviceId)
      ?.inbox.push({ seq, groupId, kind, message, sentAt: new Date().toISOString() });
    return seq;
  }

  readonly fetch: FetchLike = async (url, init) => {
    const u = new URL(url);
    const method = init.method ?? 'GET';
    const path = u.pathname;
    if (path.startsWith('/v1/tlog/')) return this.log.fetch(url, init);
    const body = (init.body === undefined ? {} : JSON.parse(String(init.body))) as Record<string, unknown>;
    if (method === 'POST' && path === '/v1/devices') return this.#enroll(body);
    const token = (init.headers as Record<string, string>).authorization?.replace(/^Bearer /, '');
    const me = [...this.#devices.values()].find((d) => d.token === token);
    if (me === undefined) return error(401, 'HERALD_ERR_AUTH_INVALID');
    if (me.status !== 'active') return error(403, 'HERALD_ERR_DEVICE_INACTIVE');
    const g = /^\/v1\/groups\/([^/]+)\/(handshake|messages|group-info)$/.exec(path);
    this.calls.push(`${method} ${g === null ? path : `/v1/groups/:id/${g[2]}`}`);
    if (path.startsWith('/v1/directory/')) return this.log.fetch(url, init);
    if (method === 'POST' && path === '/v1/devices/me/key-packages') {
      me.keyPackages.push(...(body.keyPackages as string[]).map(bytes));
      if (typeof body.lastResort === 'string') me.lastResort = bytes(body.lastResort);
      return json(200, { stored: (body.keyPackages as string[]).length, available: me.keyPackages.length });
    }
    if (method === 'POST' && path === '/v1/key-packages/claim') return this.#claim(body.userIds as string[]);
    if (method === 'GET' && path === '/v1/secure/config')
      return json(200, {
        cipherSuite: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519',
        externalSender: { userId: 'herald', deviceId: 'ds', signatureKey: b64(this.ds.signer.publicKey) },
      });
    if (method === 'POST' && path === '/v1/groups') {
      this.#groups.set(body.groupId as string, {
        epoch: 0n,
        members: new Map([[0, me.id]]),
        groupInfo: undefined,
      });
      return json(201, { groupId: body.groupId, epoch: 0, leafIndex: 0 });
    }
    if (g !== null) {
      const groupId = decodeURIComponent(g[1]!);
      const group = this.#groups.get(groupId);
      if (group === undefined) return error(404, 'HERALD_ERR_SECURE_UNKNOWN_GROUP');
      if (g[2] === 'group-info') return json(200, { groupInfo: group.groupInfo, epoch: Number(group.epoch) });
      if (g[2] === 'messages') {
        const framing = this.#engine.inspectMessage(bytes(body.message as string));
        if (framing.epoch !== group.epoch) return error(409, 'HERALD_ERR_SECURE_STALE_EPOCH');
        let seq = 0;
        for (const d of group.members.values())
          if (d !== me.id) seq = this.#queue(d, groupId, 'application', body.message as string);
        return json(202, { seq });
      }
      return this.#handshake(me, groupId, group, body);
    }
    if (method === 'GET' && path === '/v1/devices/me/inbox') {
      const after = Number(u.searchParams.get('after') ?? 0);
      const limit = Number(u.searchParams.get('limit') ?? 100);
      return json(200, { items: me.inbox.filter((i) => i.seq > after).slice(0, limit) });
    }
    if (method === 'POST' && path === '/v1/devices/me/inbox/ack') {
      me.inbox = me.inbox.filter((i) => i.seq > (body.upTo as number));
      return json(200, {});
    }
    return error(404, 'HERALD_ERR_API_NOT_FOUND');
  };

  /**
   * Revokes a device as the server does: refused at once, a `revoke` entry in the key log, and
   * an external Remove proposal for its leaf queued to the other members of each of its groups.
   */
  async revoke(deviceId: string): Promise<void> {
    const d = this.#devices.get(deviceId)!;
    d.status = 'revoked';
    await this.log.append({ user: d.userId, device: d.id, key: d.key, action: 'revoke' });
    for (const [groupId, group] of this.#groups) await this.#proposeRemovals(groupId, group);
  }

  // A proposal counts only in its epoch (RFC 9420 §12.1): propose again after every commit that
  // leaves a revoked device in the group.
  async #proposeRemovals(groupId: string, group: Group): Promise<void> {
    for (const [leaf, deviceId] of group.members) {
      if (this.#devices.get(deviceId)?.status !== 'revoked') continue;
      const proposal = await this.#engine.externalRemoveProposal({
        groupId: bytes(groupId),
        epoch: group.epoch,
        removedLeafIndex: leaf,
        senderIndex: 0,
        signer: this.ds.signer,
      });
      for (const d of group.members.values())
        if (d !== deviceId) this.#queue(d, groupId, 'proposal', b64(proposal));
    }
  }

  async #enroll(body: Record<string, unknown>): Promise<Response> {
    const userId = this.#tokens.get(body.enrollmentToken as string);
    if (userId === undefined) return error(401, 'HERALD_ERR_KEYS_ENROLLMENT_TOKEN_INVALID');
    this.#tokens.delete(body.enrollmentToken as string);
    const id = `dev_${randomBytes(6).toString('hex')}`;
    const key = bytes(body.signatureKey as string);
    const token = `hdv_${randomBytes(16).toString('hex')}`;
    this.#devices.set(id, {
      id,
      userId,
      token,
      key,
      status: 'active',
      keyPackages: [],
      lastResort: undefined,
      inbox: [],
    });
    const item = await this.log.append({ user: userId, device: id, key });
    const device = { id, userId, name: null, status: 'active', managed: false, signatureKey: b64(key) };
    return json(201, {
      device,
      deviceToken: token,
      directory: { entry: item.entry, leafHash: b64(this.log.leafHash(item.entry)) },
    });
  }

  async #claim(userIds: string[]): Promise<Response> {
    let out: ClaimedDevice[] = [];
    for (const d of this.#devices.values()) {
      if (!userIds.includes(d.userId) || d.status !== 'active') continue;
      const kp = d.keyPackages.shift() ?? d.lastResort;
      if (kp === undefined) continue;
      const entries = this.log.entries.get(`${d.userId}:${d.id}`)!;
      out.push({ userId: d.userId, deviceId: d.id, keyPackage: b64(kp), directory: entries.at(-1)! });
    }
    if (this.onClaim !== undefined) out = await this.onClaim(out);
    return json(200, { devices: out });
  }

  async #handshake(
    me: Device,
    groupId: string,
    group: Group,
    body: Record<string, unknown>,
  ): Promise<Response> {
    await this.beforeHandshake?.(me.id);
    const framing = this.#engine.inspectMessage(bytes(body.message as string));
    if (framing.epoch !== group.epoch) return error(409, 'HERALD_ERR_SECURE_STALE_EPOCH');
    if (framing.contentType === 'proposal') {
      for (const d of group.members.values()) this.#queue(d, groupId, 'proposal', body.message as string);
      return json(200, { epoch: Number(group.epoch) });
    }
    // The first commit for an epoch wins: it moves the group on and is echoed to every member.
    group.epoch++;
    const roster = (body.roster ?? {}) as {
      added?: { deviceId: string; leafIndex: number }[];
      removed?: number[];
    };
    const before = [...group.members.values()];
    for (const leaf of roster.removed ?? []) group.members.delete(leaf);
    for (const a of roster.added ?? []) group.members.set(a.leafIndex, a.deviceId);
    if (typeof body.groupInfo === 'string') group.groupInfo = body.groupInfo;
    for (const d of before) this.#queue(d, groupId, 'commit', body.message as string);
    if (typeof body.welcome === 'string')
      for (const a of roster.added ?? [])
        if (!before.includes(a.deviceId)) this.#queue(a.deviceId, groupId, 'welcome', body.welcome);
    await this.#proposeRemovals(groupId, group);
    return json(200, { epoch: Number(group.epoch) });
  }
}

/** One device in a claim's answer. */
export interface ClaimedDevice {
  userId: string;
  deviceId: string;
  keyPackage: string;
  directory: FakeEntry;
}
