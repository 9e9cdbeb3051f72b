import {
  KeyDirectoryCredentialValidator,
  TsMlsEngine,
  type MlsEngine,
  type MlsMemberIdentity,
} from '@herald/server/mls';
import { KeyDirectory } from '../directory/key-directory.ts';
import { HeraldSdkError, isHeraldSdkError } from '../errors/sdk-errors.ts';
import { HttpClient, type CallOptions } from '../http/http-client.ts';
import { Serial } from '../util/serial.ts';
import type { DeliveryServiceIdentity, DeviceContext } from './device-context.ts';
import { isStaleEpoch } from './device-context.ts';
import { loadIdentity, type DeviceIdentityRecord } from './device-identity.ts';
import type { DeviceClientOptions, ProcessingFailure, ReceivedMessage } from './device-options.ts';
import { enrollDevice, type EnrollInput } from './enrollment.ts';
import { GroupCommits } from './group-commits.ts';
import { GroupMembership } from './group-membership.ts';
import { GroupStates } from './group-states.ts';
import { InboxSync } from './inbox-sync.ts';
import { KeyPackagePool } from './key-package-pool.ts';
import { LiveUpdates, subprotocolWebSocket } from './live-updates.ts';
import { OwnMessages, sealEnvelope } from './message-envelope.ts';
import { safetyNumber } from './safety-number.ts';
import { SecureApi, type DeviceInfo } from './secure-api.ts';

export type { DeviceClientOptions, ProcessingFailure, ReceivedMessage } from './device-options.ts';

/**
 * The secure channel's device client (docs/secure-channel.md): enrollment, KeyPackages, groups,
 * sending and receiving with MLS, revocation and re-joins, live updates, and safety numbers. Every
 * key it encrypts to is proven by the key directory first. Group operations run one at a time.
 *
 * This class is the public face; the work is in one file per concept: `enrollment.ts`,
 * `group-membership.ts` (create, add), `group-commits.ts` (server-ordered commits, re-joins),
 * `inbox-sync.ts` (receiving), `queued-proposals.ts` (committing the server's Removes of revoked
 * devices on its own) and `message-envelope.ts` (what a message's plaintext is).
 */
export class DeviceClient {
  readonly #o: DeviceClientOptions;
  readonly #http: HttpClient;
  readonly #directory: KeyDirectory;
  readonly #c: DeviceContext;
  readonly #membership: GroupMembership;
  readonly #commits: GroupCommits;
  readonly #inbox: InboxSync;
  readonly #own = new OwnMessages();
  #identity: DeviceIdentityRecord | undefined;
  #live: LiveUpdates | undefined;
  #externalSender: DeliveryServiceIdentity | undefined;

  /** Use {@link createDevice}. */
  constructor(options: DeviceClientOptions, identity: DeviceIdentityRecord | undefined) {
    this.#o = options;
    this.#identity = identity;
    this.#http = new HttpClient({
      baseUrl: options.baseUrl,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      credential: () => this.#identity?.deviceToken,
    });
    const api = new SecureApi(this.#http);
    const directory = new KeyDirectory({
      http: this.#http,
      store: options.store,
      verifierKey: options.directoryVerifierKey,
      ...(options.directoryOrigin === undefined ? {} : { origin: options.directoryOrigin }),
      ...options.directory,
      tenant: identity?.tenant,
    });
    this.#directory = directory;
    const validator = new KeyDirectoryCredentialValidator(async (who, opts) => {
      try {
        const proven = await directory.deviceKey(who, opts);
        return proven.status === 'active' ? proven.key : undefined;
      } catch (err) {
        // A refused key is "not a valid credential" to MLS; other failures (network) propagate.
        if (isHeraldSdkError(err) && err.reason === 'refused') return undefined;
        throw err;
      }
    });
    const engine: MlsEngine =
      options.mlsEngine?.(validator) ?? new TsMlsEngine({ credentialValidator: validator });
    this.#c = {
      options,
      api,
      directory,
      engine,
      groups: new GroupStates(engine, options.store),
      pool: new KeyPackagePool(engine, options.store, api, options.keyPackages),
      serial: new Serial(),
      me: () => this.#me(),
      deliveryService: (opts) => this.#deliveryService(opts),
      sync: (opts) => this.sync(opts),
    };
    this.#commits = new GroupCommits(this.#c);
    this.#membership = new GroupMembership(this.#c, this.#commits);
    this.#inbox = new InboxSync(this.#c, this.#commits, this.#own);
  }

  /** This device's identity, once enrolled. */
  get identity(): MlsMemberIdentity | undefined {
    const id = this.#identity;
    return id === undefined ? undefined : { userId: id.userId, deviceId: id.deviceId };
  }

  /** The key directory client this device checks keys with. */
  get directory(): KeyDirectory {
    return this.#directory;
  }

  /** The device token (a secret: for the sender client and the stream, never for logs). */
  get deviceToken(): string | undefined {
    return this.#identity?.deviceToken;
  }

  #me(): DeviceIdentityRecord {
    if (this.#identity === undefined) throw new HeraldSdkError('HERALD_SDK_NOT_ENROLLED');
    return this.#identity;
  }

  /**
   * Enrolls this device with a one-time enrollment token: generates its Ed25519 signature key
   * (kept in the store, never sent), registers the public key, checks the directory entry the
   * server returns names this device and key, and publishes a first batch of KeyPackages.
   */
  async enroll(input: EnrollInput, options: CallOptions = {}): Promise<DeviceInfo> {
    if (this.#identity !== undefined) throw new HeraldSdkError('HERALD_SDK_ALREADY_ENROLLED');
    const { identity, device } = await enrollDevice(
      { engine: this.#c.engine, api: this.#c.api, store: this.#o.store },
      input,
      options,
    );
    this.#identity = identity;
    this.#directory.tenant = identity.tenant;
    await this.#c.pool.publish(identity, identity.signer, undefined, options);
    return device;
  }

  /** Generates and uploads `count` more KeyPackages (plus a last-resort one if none is held). */
  publishKeyPackages(
    count?: number,
    options: CallOptions = {},
  ): Promise<{ stored: number; available: number }> {
    const me = this.#me();
    return this.#c.pool.publish(me, me.signer, count, options);
  }

  /** Registers a listener for decrypted messages; returns a function that removes it. */
  onMessage(listener: (message: ReceivedMessage) => void): () => void {
    return this.#inbox.onMessage(listener);
  }

  /** Registers a listener for inbox items that could not be processed. */
  onFailure(listener: (failure: ProcessingFailure) => void): () => void {
    return this.#inbox.onFailure(listener);
  }

  /** The Delivery Service's identity, proven by the directory (groups name it as external sender). */
  async #deliveryService(options: CallOptions): Promise<DeliveryServiceIdentity> {
    if (this.#externalSender === undefined) {
      const { externalSender } = await this.#c.api.config(options);
      this.#directory.allowAnyTenant(externalSender);
      await this.#directory.requireKey(externalSender, externalSender.signatureKey, options);
      this.#externalSender = externalSender;
    }
    return this.#externalSender;
  }

  /**
   * Creates a group with this device as its first member and the Delivery Service as external
   * sender, then adds every active device of `userIds` (and this user's other devices when the
   * list names this user). Returns the group id (base64).
   */
  createGroup(userIds: readonly string[] = [], options: CallOptions = {}): Promise<string> {
    return this.#membership.createGroup(userIds, options);
  }

  /**
   * Adds every active device of `userIds` to the group: claims one KeyPackage per device, proves
   * each device's key in the key directory (refusing with `HERALD_SDK_KEY_NOT_IN_DIRECTORY`,
   * `HERALD_SDK_DIRECTORY_INCONSISTENT` or `HERALD_SDK_KEY_REVOKED`), then commits the Adds.
   * Returns how many devices were added.
   */
  addMembers(groupId: string, userIds: readonly string[], options: CallOptions = {}): Promise<number> {
    return this.#membership.addMembers(groupId, userIds, options);
  }

  /**
   * Commits the proposals waiting in a group (the server's Removes of revoked devices), or
   * refreshes this device's keys when there are none.
   */
  async commitPending(groupId: string, options: CallOptions = {}): Promise<void> {
    this.#me();
    await this.#commits.commitPending(groupId, options);
  }

  /** Encrypts `text` for the group in this process; returns the PrivateMessage to send. */
  async encrypt(groupId: string, text: string, options: CallOptions = {}): Promise<Uint8Array> {
    this.#me();
    const plaintext = sealEnvelope(text);
    return this.#c.serial.run(async () => {
      const state = await this.#c.groups.require(groupId);
      const out = await this.#c.engine.encrypt(state, plaintext, options);
      await this.#c.groups.put(groupId, out.state);
      this.#own.add(out.message);
      return out.message;
    });
  }

  /** Encrypts and sends `text` to the group's other devices. */
  async send(groupId: string, text: string, options: CallOptions = {}): Promise<{ seq: number }> {
    const attempts = this.#o.maxCommitAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      const message = await this.encrypt(groupId, text, options);
      try {
        return await this.#c.api.postMessage(groupId, message, options);
      } catch (err) {
        // The group moved to a new epoch: catch up and encrypt again.
        if (!isStaleEpoch(err) || attempt >= attempts) throw err;
        await this.sync(options);
      }
    }
  }

  /**
   * The group to reach `userId` through: the one this device made for that user before (if it
   * is still a member), else a new one with every active device of the user. For the sender
   * client's secure sends.
   */
  groupFor(userId: string, options: CallOptions = {}): Promise<string> {
    return this.#membership.groupFor(userId, options);
  }

  /**
   * Fetches the inbox and processes every item in order: Welcomes (joins), commits (including
   * this device's own echo), proposals and application messages. Acknowledges what it processed,
   * commits proposals the server queued (revocations), and tops up KeyPackages. Returns the
   * messages decrypted in this pass. Concurrent calls share one pass.
   */
  sync(options: CallOptions = {}): Promise<ReceivedMessage[]> {
    return this.#inbox.sync(options);
  }

  /** The group's members as this device sees them. */
  async members(groupId: string): Promise<{ userId: string; deviceId: string; leafIndex: number }[]> {
    const state = await this.#c.groups.require(groupId);
    return this.#c.engine
      .members(state)
      .filter((m) => m.identity !== undefined)
      .map((m) => ({ userId: m.identity!.userId, deviceId: m.identity!.deviceId, leafIndex: m.leafIndex }));
  }

  /** The groups this device holds state for (base64 ids) and whether it is still a member. */
  async groups(): Promise<{ groupId: string; epoch: bigint; active: boolean }[]> {
    const groups = this.#c.groups;
    const out = [];
    for (const groupId of await groups.list()) {
      const s = await groups.require(groupId);
      out.push({ groupId, epoch: s.epoch, active: s.active && !(await groups.meta(groupId)).inactive });
    }
    return out;
  }

  /**
   * The group's safety number: six groups of five digits from the epoch authenticator and the
   * members' identities and keys. Equal on every member's device for the same group state.
   */
  async safetyNumber(groupId: string): Promise<string> {
    const state = await this.#c.groups.require(groupId);
    return safetyNumber({
      groupId: state.groupId,
      epoch: state.epoch,
      epochAuthenticator: this.#c.engine.epochAuthenticator(state),
      members: this.#c.engine.members(state),
    });
  }

  /**
   * Starts live updates: the WebSocket stream signals new inbox items and the device syncs;
   * while the stream is down it polls. Decrypted messages reach {@link onMessage} listeners.
   */
  startLive(): void {
    const me = this.#me();
    if (this.#live !== undefined) return;
    const url = `${this.#http.baseUrl.replace(/^http/, 'ws')}/v1/devices/me/stream`;
    this.#live = new LiveUpdates({
      url,
      token: () => me.deviceToken,
      webSocket: this.#o.webSocket ?? ('WebSocket' in globalThis ? subprotocolWebSocket : undefined),
      onSignal: () => {
        this.sync().catch((err: unknown) => this.#inbox.fail('', -1, 'application', err));
      },
      ...(this.#o.pollIntervalMs === undefined ? {} : { pollIntervalMs: this.#o.pollIntervalMs }),
    });
    this.#live.start();
  }

  /** Whether live updates currently come over the stream (false: polling or stopped). */
  get streaming(): boolean {
    return this.#live?.streaming ?? false;
  }

  /** Stops live updates and waits for a sync in progress. */
  async close(): Promise<void> {
    this.#live?.stop();
    this.#live = undefined;
    await this.#inbox.settled();
  }
}

/** Creates a device client, loading an enrolled identity from the store if it has one. */
export async function createDevice(options: DeviceClientOptions): Promise<DeviceClient> {
  return new DeviceClient(options, await loadIdentity(options.store));
}
