import type { CallOptions, HttpClient } from '../http/http-client.ts';
import { HeraldSdkError } from '../errors/sdk-errors.ts';
import { fromBase64, toBase64 } from '../util/base64.ts';
import { array, count, object, string } from '../util/shape.ts';

// Typed calls to the secure channel's routes (docs/secure-channel.md), each response checked at
// the boundary. Binary values travel as standard base64.

/** A device as the server describes it. */
export interface DeviceInfo {
  readonly id: string;
  readonly userId: string;
  readonly name: string | undefined;
  readonly status: 'active' | 'suspended' | 'revoked';
  readonly managed: boolean;
  readonly signatureKey: Uint8Array;
}

/** One KeyPackage handed out by a claim, with the directory entry the server says backs it. */
export interface ClaimedKeyPackage {
  readonly userId: string;
  readonly deviceId: string;
  readonly keyPackage: Uint8Array;
  readonly directory: { readonly entry: unknown; readonly leafIndex: number | null };
}

/** The roster a committer reports with a commit: the routing metadata the server needs. */
export interface Roster {
  readonly added: readonly {
    readonly userId: string;
    readonly deviceId: string;
    readonly leafIndex: number;
  }[];
  readonly removed: readonly number[];
}

/** One inbox item. */
export interface InboxItem {
  readonly seq: number;
  readonly groupId: string;
  readonly kind: 'commit' | 'proposal' | 'welcome' | 'application';
  readonly message: Uint8Array;
  readonly sentAt: string;
}

const KINDS = ['commit', 'proposal', 'welcome', 'application'] as const;

function parseDevice(value: unknown): DeviceInfo {
  const d = object(value, 'device');
  const status = string(d.status, 'device.status');
  if (status !== 'active' && status !== 'suspended' && status !== 'revoked')
    throw new HeraldSdkError('HERALD_SDK_BAD_RESPONSE', { detail: 'device.status' });
  return {
    id: string(d.id, 'device.id', 200),
    userId: string(d.userId, 'device.userId', 300),
    name: typeof d.name === 'string' ? d.name : undefined,
    status,
    managed: d.managed === true,
    signatureKey: fromBase64(d.signatureKey, 'device.signatureKey'),
  };
}

const groupPath = (groupId: string, rest: string) => `/v1/groups/${encodeURIComponent(groupId)}/${rest}`;

/** The secure channel's HTTP API for one device. */
export class SecureApi {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  async enroll(
    body: {
      enrollmentToken: string;
      signatureKey: Uint8Array;
      name?: string;
      attestation?: { format: 'dev' | 'x509'; evidence: string };
    },
    options: CallOptions = {},
  ): Promise<{ device: DeviceInfo; deviceToken: string; entry: unknown }> {
    const r = object(
      await this.#http.json({
        method: 'POST',
        path: '/v1/devices',
        auth: false,
        body: { ...body, signatureKey: toBase64(body.signatureKey) },
        ...options,
      }),
      'enrollment',
    );
    return {
      device: parseDevice(r.device),
      deviceToken: string(r.deviceToken, 'deviceToken', 500),
      entry: object(r.directory, 'directory').entry,
    };
  }

  async me(options: CallOptions = {}): Promise<DeviceInfo> {
    return parseDevice(await this.#http.json({ method: 'GET', path: '/v1/devices/me', ...options }));
  }

  async uploadKeyPackages(
    keyPackages: readonly Uint8Array[],
    lastResort: Uint8Array | undefined,
    options: CallOptions = {},
  ): Promise<{ stored: number; available: number }> {
    const r = object(
      await this.#http.json({
        method: 'POST',
        path: '/v1/devices/me/key-packages',
        body: {
          keyPackages: keyPackages.map(toBase64),
          ...(lastResort === undefined ? {} : { lastResort: toBase64(lastResort) }),
        },
        ...options,
      }),
      'key-packages',
    );
    return { stored: count(r.stored, 'stored'), available: count(r.available, 'available') };
  }

  async claim(userIds: readonly string[], options: CallOptions = {}): Promise<ClaimedKeyPackage[]> {
    const r = object(
      await this.#http.json({
        method: 'POST',
        path: '/v1/key-packages/claim',
        body: { userIds },
        ...options,
      }),
      'claim',
    );
    return array(r.devices, 'claim.devices', 5000).map((v) => {
      const d = object(v, 'claimed device');
      const dir = object(d.directory, 'claimed device directory');
      return {
        userId: string(d.userId, 'userId', 300),
        deviceId: string(d.deviceId, 'deviceId', 300),
        keyPackage: fromBase64(d.keyPackage, 'keyPackage'),
        directory: {
          entry: dir.entry,
          leafIndex: dir.leafIndex === null ? null : count(dir.leafIndex, 'leafIndex'),
        },
      };
    });
  }

  async config(options: CallOptions = {}): Promise<{
    cipherSuite: unknown;
    externalSender: { userId: string; deviceId: string; signatureKey: Uint8Array };
  }> {
    const r = object(
      await this.#http.json({ method: 'GET', path: '/v1/secure/config', ...options }),
      'config',
    );
    const s = object(r.externalSender, 'externalSender');
    return {
      cipherSuite: r.cipherSuite,
      externalSender: {
        userId: string(s.userId, 'externalSender.userId', 300),
        deviceId: string(s.deviceId, 'externalSender.deviceId', 300),
        signatureKey: fromBase64(s.signatureKey, 'externalSender.signatureKey'),
      },
    };
  }

  async createGroup(groupId: string, options: CallOptions = {}): Promise<void> {
    await this.#http.json({ method: 'POST', path: '/v1/groups', body: { groupId }, ...options });
  }

  async handshake(
    groupId: string,
    body: {
      message: Uint8Array;
      welcome?: Uint8Array | undefined;
      groupInfo?: Uint8Array | undefined;
      roster?: Roster;
    },
    options: CallOptions = {},
  ): Promise<{ epoch: number }> {
    const r = object(
      await this.#http.json({
        method: 'POST',
        path: groupPath(groupId, 'handshake'),
        body: {
          message: toBase64(body.message),
          ...(body.welcome === undefined ? {} : { welcome: toBase64(body.welcome) }),
          ...(body.groupInfo === undefined ? {} : { groupInfo: toBase64(body.groupInfo) }),
          ...(body.roster === undefined ? {} : { roster: body.roster }),
        },
        ...options,
      }),
      'handshake',
    );
    return { epoch: count(r.epoch, 'epoch') };
  }

  async groupInfo(groupId: string, options: CallOptions = {}): Promise<Uint8Array> {
    const r = object(
      await this.#http.json({ method: 'GET', path: groupPath(groupId, 'group-info'), ...options }),
      'group-info',
    );
    return fromBase64(r.groupInfo, 'groupInfo');
  }

  async postMessage(
    groupId: string,
    message: Uint8Array,
    options: CallOptions = {},
  ): Promise<{ seq: number }> {
    const r = object(
      await this.#http.json({
        method: 'POST',
        path: groupPath(groupId, 'messages'),
        body: { message: toBase64(message) },
        ...options,
      }),
      'message',
    );
    return { seq: count(r.seq, 'seq') };
  }

  async inbox(after: number, limit: number, options: CallOptions = {}): Promise<InboxItem[]> {
    const r = object(
      await this.#http.json({
        method: 'GET',
        path: '/v1/devices/me/inbox',
        query: { after, limit },
        ...options,
      }),
      'inbox',
    );
    return array(r.items, 'inbox.items', limit).map((v) => {
      const i = object(v, 'inbox item');
      const kind = string(i.kind, 'kind', 20);
      if (!(KINDS as readonly string[]).includes(kind))
        throw new HeraldSdkError('HERALD_SDK_BAD_RESPONSE', { detail: 'inbox item kind' });
      return {
        seq: count(i.seq, 'seq'),
        groupId: string(i.groupId, 'groupId', 200),
        kind: kind as InboxItem['kind'],
        message: fromBase64(i.message, 'message'),
        sentAt: typeof i.sentAt === 'string' ? i.sentAt : '',
      };
    });
  }

  async ack(upTo: number, options: CallOptions = {}): Promise<void> {
    await this.#http.json({ method: 'POST', path: '/v1/devices/me/inbox/ack', body: { upTo }, ...options });
  }
}
