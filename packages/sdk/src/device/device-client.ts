import {
  KeyDirectoryCredentialValidator,
  TsMlsEngine,
  type CredentialValidator,
  type MlsCommitOutput,
  type MlsEngine,
  type MlsGroupState,
  type MlsMemberIdentity,
} from '@herald/server/mls';
import { KeyDirectory, type KeyDirectoryOptions } from '../directory/key-directory.ts';
import { parseDirectoryEntry } from '../directory/directory-entry.ts';
import { isHeraldApiError } from '../errors/api-error.ts';
import { HeraldSdkError, isHeraldSdkError } from '../errors/sdk-errors.ts';
import { HttpClient, type CallOptions, type FetchLike } from '../http/http-client.ts';
import type { DeviceStore } from '../store/device-store.ts';
import { bytesEqual, fromUtf8, toBase64, toHex, utf8 } from '../util/base64.ts';
import { Serial, sleep } from '../util/serial.ts';
import { loadIdentity, saveIdentity, type DeviceIdentityRecord } from './device-identity.ts';
import { GroupStates } from './group-states.ts';
import { KeyPackagePool, type KeyPackagePoolOptions } from './key-package-pool.ts';
import { LiveUpdates, subprotocolWebSocket, type WebSocketFactory } from './live-updates.ts';
import { rosterBetween } from './roster.ts';
import { safetyNumber } from './safety-number.ts';
import { SecureApi, type ClaimedKeyPackage, type DeviceInfo, type InboxItem } from './secure-api.ts';

/** Options of {@link createDevice}. */
export interface DeviceClientOptions {
  readonly baseUrl: string;
  /** Where the device keeps its identity, keys and group states (memory, file, IndexedDB). */
  readonly store: DeviceStore;
  /** The key directory log's C2SP note verifier key, from configuration (never from the server). */
  readonly directoryVerifierKey: string;
  /** The key log's checkpoint origin (default: the verifier key's name). */
  readonly directoryOrigin?: string;
  /** Tuning of the key directory checks (checkpoint reuse, waits, cache). */
  readonly directory?: Pick<
    KeyDirectoryOptions,
    'checkpointMaxAgeMs' | 'integrationTimeoutMs' | 'keyCacheMs'
  >;
  readonly fetch?: FetchLike;
  /** Opens the live stream (default: the global `WebSocket` with the token as subprotocol). */
  readonly webSocket?: WebSocketFactory;
  /**
   * Builds the MLS engine around Herald's Authentication Service (default: `TsMlsEngine` with
   * ts-mls's WebCrypto provider; Node passes the native one, see `@herald/sdk/node`).
   */
  readonly mlsEngine?: (validator: CredentialValidator) => MlsEngine;
  readonly keyPackages?: KeyPackagePoolOptions;
  /** Poll interval while the stream is down (default 5 s). */
  readonly pollIntervalMs?: number;
  /** Attempts at a commit that keeps losing its epoch (default 5). */
  readonly maxCommitAttempts?: number;
  /** How long to wait for the server to echo this device's commit (default 10 s). */
  readonly echoTimeoutMs?: number;
}

/** A decrypted application message. */
export interface ReceivedMessage {
  readonly groupId: string;
  readonly seq: number;
  readonly sender: MlsMemberIdentity;
  readonly text: string;
  readonly sentAt: string;
}

/** An inbox item this device could not process; the sync goes on with the next one. */
export interface ProcessingFailure {
  readonly groupId: string;
  readonly seq: number;
  readonly kind: InboxItem['kind'];
  readonly error: Error;
}

type MessageListener = (message: ReceivedMessage) => void;
type FailureListener = (failure: ProcessingFailure) => void;

const INBOX_CURSOR = 'inbox/cursor';
const INBOX_PAGE = 100;
/** Application plaintext: a small JSON envelope, so content types can grow without a new wire format. */
interface Envelope {
  readonly v: 1;
  readonly text: string;
}
const MAX_TEXT = 100_000;
const OWN_MESSAGES_KEPT = 1000;

/**
 * Names one of this device's own ciphertexts: its length and last 32 bytes, which end with the
 * AEAD tag (RFC 9420 §6.3.1), unique per message. Cheaper than hashing every incoming message.
 */
function ownKey(message: Uint8Array): string {
  return `${message.length}:${toHex(message.subarray(Math.max(message.length - 32, 0)))}`;
}

function stale(err: unknown): boolean {
  return (
    isHeraldApiError(err, 'HERALD_ERR_SECURE_STALE_EPOCH') || (isHeraldApiError(err) && err.status === 409)
  );
}

/**
 * The secure channel's device client (docs/secure-channel.md): enrollment, KeyPackages, groups,
 * sending and receiving with MLS, revocation and re-joins, live updates, and safety numbers. Every
 * key it encrypts to is proven by the key directory first. Group operations run one at a time.
 */
export class DeviceClient {
  readonly #o: DeviceClientOptions;
  readonly #http: HttpClient;
  readonly #api: SecureApi;
  readonly #directory: KeyDirectory;
  readonly #engine: MlsEngine;
  readonly #groups: GroupStates;
  readonly #pool: KeyPackagePool;
  readonly #serial = new Serial();
  readonly #onMessage = new Set<MessageListener>();
  readonly #onFailure = new Set<FailureListener>();
  #identity: DeviceIdentityRecord | undefined;
  #live: LiveUpdates | undefined;
  #syncing: Promise<ReceivedMessage[]> | undefined;
  #syncAgain = false;
  #externalSender: { userId: string; deviceId: string; signatureKey: Uint8Array } | undefined;
  /**
   * Keys of the application messages this device encrypted recently: the server fans a
   * message sent through `POST /v1/messages` out to every member device, this one included, and
   * MLS cannot decrypt a device's own messages (RFC 9420 §6.3.2), so those are skipped.
   */
  readonly #ownMessages = new Set<string>();

  /** Use {@link createDevice}. */
  constructor(options: DeviceClientOptions, identity: DeviceIdentityRecord | undefined) {
    this.#o = options;
    this.#identity = identity;
    this.#http = new HttpClient({
      baseUrl: options.baseUrl,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      credential: () => this.#identity?.deviceToken,
    });
    this.#api = new SecureApi(this.#http);
    this.#directory = new KeyDirectory({
      http: this.#http,
      store: options.store,
      verifierKey: options.directoryVerifierKey,
      ...(options.directoryOrigin === undefined ? {} : { origin: options.directoryOrigin }),
      ...options.directory,
      tenant: identity?.tenant,
    });
    const validator = new KeyDirectoryCredentialValidator(async (who, opts) => {
      try {
        const proven = await this.#directory.deviceKey(who, opts);
        return proven.status === 'active' ? proven.key : undefined;
      } catch (err) {
        // A refused key is "not a valid credential" to MLS; other failures (network) propagate.
        if (isHeraldSdkError(err) && err.reason === 'refused') return undefined;
        throw err;
      }
    });
    this.#engine = options.mlsEngine?.(validator) ?? new TsMlsEngine({ credentialValidator: validator });
    this.#groups = new GroupStates(this.#engine, options.store);
    this.#pool = new KeyPackagePool(this.#engine, options.store, this.#api, options.keyPackages);
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
  async enroll(
    input: {
      readonly enrollmentToken: string;
      readonly name?: string;
      readonly attestation?: { readonly format: 'dev' | 'x509'; readonly evidence: string };
    },
    options: CallOptions = {},
  ): Promise<DeviceInfo> {
    if (this.#identity !== undefined) throw new HeraldSdkError('HERALD_SDK_ALREADY_ENROLLED');
    if (
      typeof input.enrollmentToken !== 'string' ||
      input.enrollmentToken.length === 0 ||
      input.enrollmentToken.length > 200
    )
      throw new HeraldSdkError('HERALD_SDK_INVALID_ARGUMENT', { detail: 'enrollmentToken' });
    const signer = await this.#engine.generateSignatureKeyPair(options);
    const r = await this.#api.enroll(
      {
        enrollmentToken: input.enrollmentToken,
        signatureKey: signer.publicKey,
        ...(input.name === undefined ? {} : { name: input.name }),
        ...(input.attestation === undefined ? {} : { attestation: { ...input.attestation } }),
      },
      options,
    );
    const who = { userId: r.device.userId, deviceId: r.device.id };
    const entry = parseDirectoryEntry(r.entry, who);
    if (!bytesEqual(entry.key, signer.publicKey) || !bytesEqual(r.device.signatureKey, signer.publicKey))
      throw new HeraldSdkError('HERALD_SDK_KEY_NOT_IN_DIRECTORY', {
        ...who,
        detail: 'the server published another key',
      });
    const identity: DeviceIdentityRecord = {
      ...who,
      tenant: entry.tenant,
      deviceToken: r.deviceToken,
      signer,
    };
    await saveIdentity(this.#o.store, identity, options);
    this.#identity = identity;
    this.#directory.tenant = entry.tenant;
    await this.#pool.publish(who, signer, undefined, options);
    return r.device;
  }

  /** Generates and uploads `count` more KeyPackages (plus a last-resort one if none is held). */
  publishKeyPackages(
    count?: number,
    options: CallOptions = {},
  ): Promise<{ stored: number; available: number }> {
    const me = this.#me();
    return this.#pool.publish(me, me.signer, count, options);
  }

  /** Registers a listener for decrypted messages; returns a function that removes it. */
  onMessage(listener: MessageListener): () => void {
    this.#onMessage.add(listener);
    return () => this.#onMessage.delete(listener);
  }

  /** Registers a listener for inbox items that could not be processed. */
  onFailure(listener: FailureListener): () => void {
    this.#onFailure.add(listener);
    return () => this.#onFailure.delete(listener);
  }

  /** The Delivery Service's identity, proven by the directory (groups name it as external sender). */
  async #deliveryService(options: CallOptions) {
    if (this.#externalSender === undefined) {
      const { externalSender } = await this.#api.config(options);
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
  async createGroup(userIds: readonly string[] = [], options: CallOptions = {}): Promise<string> {
    const me = this.#me();
    checkUserIds(userIds, true);
    const ds = await this.#deliveryService(options);
    const groupId = await this.#serial.run(async () => {
      const own = await this.#engine.generateKeyPackage(me, me.signer, options);
      const idBytes = globalThis.crypto.getRandomValues(new Uint8Array(32));
      const state = await this.#engine.createGroup(own, {
        ...options,
        groupId: idBytes,
        externalSenders: [
          { identity: { userId: ds.userId, deviceId: ds.deviceId }, signaturePublicKey: ds.signatureKey },
        ],
      });
      const id = toBase64(idBytes);
      await this.#api.createGroup(id, options);
      await this.#groups.put(id, state);
      return id;
    });
    if (userIds.length > 0) await this.addMembers(groupId, userIds, options);
    return groupId;
  }

  /**
   * Adds every active device of `userIds` to the group: claims one KeyPackage per device, proves
   * each device's key in the key directory (refusing with `HERALD_SDK_KEY_NOT_IN_DIRECTORY`,
   * `HERALD_SDK_DIRECTORY_INCONSISTENT` or `HERALD_SDK_KEY_REVOKED`), then commits the Adds.
   * Returns how many devices were added.
   */
  async addMembers(groupId: string, userIds: readonly string[], options: CallOptions = {}): Promise<number> {
    const me = this.#me();
    checkUserIds(userIds, false);
    const claimed = (await this.#api.claim(userIds, options)).filter(
      (d) => !(d.userId === me.userId && d.deviceId === me.deviceId),
    );
    for (const userId of userIds)
      if (userId !== me.userId && !claimed.some((d) => d.userId === userId))
        throw new HeraldSdkError('HERALD_SDK_NO_DEVICES', { userId });
    const keyPackages: Uint8Array[] = [];
    for (const c of claimed) keyPackages.push(await this.#checkClaimed(c, options));
    if (keyPackages.length === 0) return 0;
    await this.#commit(groupId, (state) => this.#engine.addMembers(state, keyPackages, options), options);
    return keyPackages.length;
  }

  /** Proves a claimed KeyPackage's key against the directory; returns the KeyPackage. */
  async #checkClaimed(c: ClaimedKeyPackage, options: CallOptions): Promise<Uint8Array> {
    const who = { userId: c.userId, deviceId: c.deviceId };
    // The directory first: its refusals carry the precise reason.
    const proven = await this.#directory.deviceKey(who, options);
    if (proven.status === 'revoked') throw new HeraldSdkError('HERALD_SDK_KEY_REVOKED', who);
    let validated;
    try {
      validated = await this.#engine.validateKeyPackage(c.keyPackage, options);
    } catch (err) {
      if ((err as { code?: unknown }).code === 'HERALD_ERR_E2EE_CREDENTIAL_REJECTED')
        throw new HeraldSdkError(
          'HERALD_SDK_KEY_NOT_IN_DIRECTORY',
          { ...who, detail: 'the KeyPackage is signed with another key' },
          { cause: err },
        );
      throw err;
    }
    if (validated.identity.userId !== c.userId || validated.identity.deviceId !== c.deviceId)
      throw new HeraldSdkError('HERALD_SDK_KEY_NOT_IN_DIRECTORY', {
        ...who,
        detail: 'the KeyPackage names another device',
      });
    await this.#directory.requireKey(who, validated.signaturePublicKey, options);
    return c.keyPackage;
  }

  /**
   * Runs one commit to completion: builds it from the confirmed state, sends it with the roster
   * and a GroupInfo for the new epoch, and adopts the new state only when the server echoes it.
   * On a 409 (another commit won the epoch) it processes what arrived and tries again.
   */
  async #commit(
    groupId: string,
    build: (state: MlsGroupState) => Promise<MlsCommitOutput>,
    options: CallOptions,
  ): Promise<void> {
    const attempts = this.#o.maxCommitAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      const sent = await this.#serial.run(async () => {
        const before = await this.#groups.require(groupId);
        const members = this.#engine.members(before);
        const out = await build(before);
        // Building consumed secrets of `before`; the store still holds it for a lost race.
        this.#groups.evict(groupId);
        const next = this.#engine.mergePendingCommit(out.pending);
        const groupInfo = await this.#engine.groupInfo(next, options);
        try {
          await this.#api.handshake(
            groupId,
            {
              message: out.commit,
              welcome: out.welcome,
              groupInfo,
              roster: rosterBetween(members, this.#engine.members(next)),
            },
            options,
          );
        } catch (err) {
          if (stale(err) && attempt < attempts) return false;
          if (stale(err))
            throw new HeraldSdkError('HERALD_SDK_EPOCH_CONFLICT', { groupId, attempts }, { cause: err });
          throw err;
        }
        this.#groups.setPending(groupId, { commit: out.commit, next });
        return true;
      });
      await this.sync(options);
      if (sent) {
        await this.#awaitEcho(groupId, options);
        return;
      }
    }
  }

  /** Syncs until the server has echoed this device's pending commit for `groupId`. */
  async #awaitEcho(groupId: string, options: CallOptions): Promise<void> {
    const deadline = Date.now() + (this.#o.echoTimeoutMs ?? 10_000);
    while (this.#groups.pending(groupId) !== undefined) {
      if (Date.now() > deadline)
        throw new HeraldSdkError('HERALD_SDK_NETWORK', { detail: 'the server did not echo the commit' });
      await sleep(50, options.signal);
      await this.sync(options);
    }
  }

  /**
   * Commits the proposals waiting in a group (the server's Removes of revoked devices), or
   * refreshes this device's keys when there are none.
   */
  async commitPending(groupId: string, options: CallOptions = {}): Promise<void> {
    this.#me();
    await this.#commit(groupId, (state) => this.#engine.commitPending(state, options), options);
    await this.#groups.setMeta(groupId, { pendingProposals: false });
  }

  /** Encrypts `text` for the group in this process; returns the PrivateMessage to send. */
  async encrypt(groupId: string, text: string, options: CallOptions = {}): Promise<Uint8Array> {
    this.#me();
    if (typeof text !== 'string' || text.length === 0 || text.length > MAX_TEXT)
      throw new HeraldSdkError('HERALD_SDK_INVALID_ARGUMENT', {
        detail: `text must be 1 to ${MAX_TEXT} characters`,
      });
    return this.#serial.run(async () => {
      const state = await this.#groups.require(groupId);
      const envelope: Envelope = { v: 1, text };
      const out = await this.#engine.encrypt(state, utf8(JSON.stringify(envelope)), options);
      await this.#groups.put(groupId, out.state);
      this.#ownMessages.add(ownKey(out.message));
      // Bounded: the oldest go first (a Set iterates in insertion order).
      for (const d of this.#ownMessages) {
        if (this.#ownMessages.size <= OWN_MESSAGES_KEPT) break;
        this.#ownMessages.delete(d);
      }
      return out.message;
    });
  }

  /** Encrypts and sends `text` to the group's other devices. */
  async send(groupId: string, text: string, options: CallOptions = {}): Promise<{ seq: number }> {
    const attempts = this.#o.maxCommitAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      const message = await this.encrypt(groupId, text, options);
      try {
        return await this.#api.postMessage(groupId, message, options);
      } catch (err) {
        // The group moved to a new epoch: catch up and encrypt again.
        if (!stale(err) || attempt >= attempts) throw err;
        await this.sync(options);
      }
    }
  }

  /**
   * The group to reach `userId` through: the one this device made for that user before (if it
   * is still a member), else a new one with every active device of the user. For the sender
   * client's secure sends.
   */
  async groupFor(userId: string, options: CallOptions = {}): Promise<string> {
    checkUserIds([userId], false);
    const key = `dm/${toHex(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', utf8(userId))))}`;
    const known = await this.#o.store.get(key, options);
    if (known !== undefined) {
      const groupId = fromUtf8(known);
      await this.sync(options);
      const state = await this.#groups.get(groupId);
      if (state?.active === true && !(await this.#groups.meta(groupId)).inactive) return groupId;
    }
    const groupId = await this.createGroup([userId], options);
    await this.#o.store.set(key, utf8(groupId), options);
    return groupId;
  }

  /**
   * Fetches the inbox and processes every item in order: Welcomes (joins), commits (including
   * this device's own echo), proposals and application messages. Acknowledges what it processed,
   * commits proposals the server queued (revocations), and tops up KeyPackages. Returns the
   * messages decrypted in this pass. Concurrent calls share one pass.
   */
  sync(options: CallOptions = {}): Promise<ReceivedMessage[]> {
    if (this.#syncing !== undefined) {
      this.#syncAgain = true;
      return this.#syncing;
    }
    const run = async (): Promise<ReceivedMessage[]> => {
      const out: ReceivedMessage[] = [];
      do {
        this.#syncAgain = false;
        out.push(...(await this.#serial.run(() => this.#drainInbox(options))));
      } while (this.#syncAgain);
      return out;
    };
    this.#syncing = run().finally(() => (this.#syncing = undefined));
    return this.#syncing.then(async (messages) => {
      await this.#afterSync(options);
      return messages;
    });
  }

  async #afterSync(options: CallOptions): Promise<void> {
    const me = this.#me();
    for (const groupId of await this.#groups.list()) {
      const meta = await this.#groups.meta(groupId);
      if (!meta.pendingProposals || meta.inactive || this.#groups.pending(groupId) !== undefined) continue;
      try {
        await this.commitPending(groupId, options);
      } catch (err) {
        // Another member may have committed first; the next sync sees its commit.
        if (!isHeraldSdkError(err, 'HERALD_SDK_EPOCH_CONFLICT')) this.#fail(groupId, -1, 'proposal', err);
      }
    }
    await this.#pool.topUp(me, me.signer, options);
  }

  async #drainInbox(options: CallOptions): Promise<ReceivedMessage[]> {
    this.#me();
    const out: ReceivedMessage[] = [];
    let cursor = Number(fromUtf8((await this.#o.store.get(INBOX_CURSOR, options)) ?? utf8('0')));
    for (;;) {
      const items = await this.#api.inbox(cursor, INBOX_PAGE, options);
      // Proposals come from the Delivery Service as external sender: know (and prove) it first.
      if (items.length > 0) await this.#deliveryService(options);
      for (const item of items) {
        if (item.seq <= cursor) continue;
        try {
          const m = await this.#process(item, options);
          if (m !== undefined) out.push(m);
        } catch (err) {
          this.#fail(item.groupId, item.seq, item.kind, err);
        }
        cursor = item.seq;
      }
      if (items.length > 0) {
        // States are saved before the cursor moves and before the server may delete the items.
        await this.#o.store.set(INBOX_CURSOR, utf8(String(cursor)), options);
        await this.#api.ack(cursor, options);
      }
      if (items.length < INBOX_PAGE) break;
    }
    for (const m of out) for (const l of this.#onMessage) l(m);
    return out;
  }

  #fail(groupId: string, seq: number, kind: InboxItem['kind'], err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    for (const l of this.#onFailure) l({ groupId, seq, kind, error });
  }

  async #process(item: InboxItem, options: CallOptions): Promise<ReceivedMessage | undefined> {
    switch (item.kind) {
      case 'welcome':
        await this.#join(item, options);
        return undefined;
      case 'commit':
        await this.#applyCommit(item, options);
        return undefined;
      case 'proposal': {
        const state = await this.#groups.get(item.groupId);
        if (state === undefined) return undefined;
        const r = await this.#engine.processMessage(state, item.message, options);
        await this.#groups.put(item.groupId, r.state);
        await this.#groups.setMeta(item.groupId, { pendingProposals: true });
        return undefined;
      }
      case 'application': {
        if (this.#ownMessages.delete(ownKey(item.message))) return undefined;
        const state = await this.#groups.get(item.groupId);
        if (state === undefined)
          throw new HeraldSdkError('HERALD_SDK_UNKNOWN_GROUP', { groupId: item.groupId });
        const r = await this.#engine.processMessage(state, item.message, options);
        await this.#groups.put(item.groupId, r.state);
        if (r.kind !== 'application' || r.sender.identity === undefined)
          throw new HeraldSdkError('HERALD_SDK_BAD_RESPONSE', {
            detail: 'an application item that is not one',
          });
        const envelope = JSON.parse(fromUtf8(r.plaintext)) as Partial<Envelope>;
        if (envelope.v !== 1 || typeof envelope.text !== 'string')
          throw new HeraldSdkError('HERALD_SDK_BAD_RESPONSE', { detail: 'unknown message envelope' });
        return {
          groupId: item.groupId,
          seq: item.seq,
          sender: r.sender.identity,
          text: envelope.text,
          sentAt: item.sentAt,
        };
      }
    }
  }

  async #join(item: InboxItem, options: CallOptions): Promise<void> {
    const framing = this.#engine.inspectMessage(item.message);
    for (const ref of framing.recipients ?? []) {
      const bundle = await this.#pool.find(ref);
      if (bundle === undefined) continue;
      const state = await this.#engine.joinFromWelcome(item.message, bundle, options);
      const groupId = toBase64(state.groupId);
      const known = await this.#groups.get(groupId);
      if (known === undefined || known.epoch < state.epoch) {
        await this.#groups.put(groupId, state);
        await this.#groups.setMeta(groupId, { inactive: false, pendingProposals: false });
      }
      await this.#pool.used(ref);
      return;
    }
    throw new HeraldSdkError('HERALD_SDK_UNKNOWN_GROUP', { groupId: item.groupId });
  }

  async #applyCommit(item: InboxItem, options: CallOptions): Promise<void> {
    const groupId = item.groupId;
    const pending = this.#groups.pending(groupId);
    if (pending !== undefined && bytesEqual(pending.commit, item.message)) {
      // Our own commit, echoed: it won the epoch, and it covered every proposal received.
      this.#groups.setPending(groupId, undefined);
      await this.#groups.put(groupId, pending.next);
      await this.#groups.setMeta(groupId, { pendingProposals: false, inactive: false });
      return;
    }
    const epoch = this.#engine.inspectMessage(item.message).epoch;
    // Another commit for the epoch ours started from won: ours is void.
    if (pending !== undefined && epoch === pending.next.epoch - 1n)
      this.#groups.setPending(groupId, undefined);
    const state = await this.#groups.get(groupId);
    if (state === undefined || !state.active) return;
    // A commit for an epoch this device already left behind (e.g. the one a Welcome covered).
    if (epoch !== undefined && epoch < state.epoch) return;
    try {
      const r = await this.#engine.processMessage(state, item.message, options);
      await this.#groups.put(groupId, r.state);
      await this.#groups.setMeta(groupId, {
        pendingProposals: false,
        inactive: r.kind === 'commit' && r.removedSelf,
      });
    } catch (err) {
      // The winning commit cannot be applied to this state: re-join from the latest GroupInfo.
      this.#groups.evict(groupId);
      if (!(await this.#rejoin(groupId, state, options))) {
        await this.#groups.setMeta(groupId, { inactive: true });
        throw err;
      }
    }
  }

  /**
   * Re-joins a group by external commit from the latest GroupInfo (RFC 9420 §12.4.3.2),
   * replacing this device's old leaf. Returns false when the server refuses it.
   */
  async #rejoin(groupId: string, old: MlsGroupState, options: CallOptions): Promise<boolean> {
    const me = this.#me();
    try {
      const groupInfo = await this.#api.groupInfo(groupId, options);
      const joined = await this.#engine.joinByExternalCommit(
        groupInfo,
        { identity: { userId: me.userId, deviceId: me.deviceId }, signer: me.signer },
        { ...options, resync: { oldLeafIndex: old.ownLeafIndex } },
      );
      const nextInfo = await this.#engine.groupInfo(joined.state, options);
      await this.#api.handshake(
        groupId,
        {
          message: joined.commit,
          groupInfo: nextInfo,
          roster: {
            added: [{ userId: me.userId, deviceId: me.deviceId, leafIndex: joined.state.ownLeafIndex }],
            removed: [old.ownLeafIndex],
          },
        },
        options,
      );
      this.#groups.setPending(groupId, { commit: joined.commit, next: joined.state });
      // The echo is already queued: fetch again in this sync.
      this.#syncAgain = true;
      return true;
    } catch {
      return false;
    }
  }

  /** The group's members as this device sees them. */
  async members(groupId: string): Promise<{ userId: string; deviceId: string; leafIndex: number }[]> {
    const state = await this.#groups.require(groupId);
    return this.#engine
      .members(state)
      .filter((m) => m.identity !== undefined)
      .map((m) => ({ userId: m.identity!.userId, deviceId: m.identity!.deviceId, leafIndex: m.leafIndex }));
  }

  /** The groups this device holds state for (base64 ids) and whether it is still a member. */
  async groups(): Promise<{ groupId: string; epoch: bigint; active: boolean }[]> {
    const out = [];
    for (const groupId of await this.#groups.list()) {
      const s = await this.#groups.require(groupId);
      out.push({ groupId, epoch: s.epoch, active: s.active && !(await this.#groups.meta(groupId)).inactive });
    }
    return out;
  }

  /**
   * The group's safety number: six groups of five digits from the epoch authenticator and the
   * members' identities and keys. Equal on every member's device for the same group state.
   */
  async safetyNumber(groupId: string): Promise<string> {
    const state = await this.#groups.require(groupId);
    return safetyNumber({
      groupId: state.groupId,
      epoch: state.epoch,
      epochAuthenticator: this.#engine.epochAuthenticator(state),
      members: this.#engine.members(state),
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
        this.sync().catch((err: unknown) => this.#fail('', -1, 'application', err));
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
    await this.#syncing?.catch(() => undefined);
  }
}

function checkUserIds(userIds: readonly string[], allowEmpty: boolean): void {
  if (!Array.isArray(userIds) || (!allowEmpty && userIds.length === 0) || userIds.length > 50)
    throw new HeraldSdkError('HERALD_SDK_INVALID_ARGUMENT', { detail: 'userIds must list 1 to 50 users' });
  for (const u of userIds)
    if (typeof u !== 'string' || !/^[^\s:\p{Cc}]{1,255}$/u.test(u))
      throw new HeraldSdkError('HERALD_SDK_INVALID_ARGUMENT', { detail: 'a user id is not a valid id' });
}

/** Creates a device client, loading an enrolled identity from the store if it has one. */
export async function createDevice(options: DeviceClientOptions): Promise<DeviceClient> {
  return new DeviceClient(options, await loadIdentity(options.store));
}
