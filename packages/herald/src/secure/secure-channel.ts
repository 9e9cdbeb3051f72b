import type { ChannelAdapter, ReceiptSink } from '../channels/channel-adapter.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { MlsEngine } from '../e2ee/mls/mls-engine.ts';
import type { TenantId } from '../ids.ts';
import type { Store } from '../storage/store.ts';
import { encodeBase64 } from '../tlog/base64.ts';
import { DeliveryService } from './delivery-service.ts';
import { DeviceInbox } from './device-inbox.ts';
import { DeviceStreams } from './device-streams.ts';
import { DeviceWaker } from './device-waker.ts';
import { loadExternalSender, removalProposer, type ExternalSender } from './external-sender.ts';
import { Fanout } from './fan-out.ts';
import type { SecureConfig } from './group-routes.ts';
import { GroupStore } from './group-store.ts';
import { LocalInboxSignal, type InboxSignal } from './inbox-signal.ts';
import { ThreadInboxSignal } from './thread-inbox-signal.ts';
import { InboxStore } from './inbox-store.ts';
import { PgInboxSignal } from './pg-inbox-signal.ts';
import { QueueExpiry } from './queue-expiry.ts';
import { DEFAULT_SECURE_LIMITS, type SecureLimits } from './secure-limits.ts';
import type { WelcomeRecipients } from './welcome-recipients.ts';

/** What the secure channel logs: metadata and codes only. */
export interface SecureLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

const SILENT: SecureLogger = { info: () => {}, warn: () => {} };

/** How to build the secure channel's server side. */
export interface SecureChannelOptions {
  readonly store: Store;
  readonly box: SecretBox;
  /**
   * The server's MLS engine: framing, the external sender's key generation, and its Remove
   * proposals. It never holds group state.
   */
  readonly engine: Pick<
    MlsEngine,
    'inspectMessage' | 'cipherSuite' | 'generateSignatureKeyPair' | 'externalRemoveProposal'
  >;
  readonly limits?: Partial<SecureLimits>;
  /** The PostgreSQL URL, for announcements across processes (LISTEN/NOTIFY); absent on SQLite. */
  readonly databaseUrl?: string;
  /**
   * SQLite with the delivery worker in a worker thread of this process: announcements cross
   * threads (`ThreadInboxSignal`). Ignored on PostgreSQL, whose signal already crosses processes.
   */
  readonly threads?: boolean;
  /** The push channel adapter that wakes devices without a stream; absent: no pushes. */
  readonly push?: Pick<ChannelAdapter, 'send'>;
  /** Where delivery receipts of Herald messages go (the delivery store's `recordReceipt`). */
  readonly receipts?: ReceiptSink;
  /** The `keys` part's KeyPackageRef → device lookup; absent: Welcomes follow `roster.added`. */
  readonly welcomeRecipients?: WelcomeRecipients;
  readonly logger?: SecureLogger;
  readonly now?: () => number;
  /**
   * Publishes the external sender's key in the tenant's key directory (idempotent), so members
   * can check it like any leaf; called before a device of the tenant first reads the config.
   */
  readonly publishExternalSender?: (tenantId: TenantId, key: Uint8Array) => Promise<void>;
}

/**
 * The secure channel's server side in one object: the Delivery Service, device inboxes and
 * streams, wake-up pushes, the queue TTL job and the external sender used for revocation. The
 * API mounts it with `secureRoutes`; the `secure` channel adapter hands it Herald messages.
 */
export class SecureChannel {
  private constructor(
    readonly limits: SecureLimits,
    readonly streams: DeviceStreams,
    readonly service: DeliveryService,
    readonly inbox: DeviceInbox,
    readonly signal: InboxSignal,
    readonly expiry: QueueExpiry,
    readonly externalSender: ExternalSender,
    readonly config: SecureConfig,
    private readonly waker: DeviceWaker | undefined,
    private readonly publisher: SecureChannelOptions['publishExternalSender'],
  ) {}

  /** Makes sure the tenant's key directory holds the external sender's key. */
  async publishExternalSender(tenantId: TenantId): Promise<void> {
    await this.publisher?.(tenantId, this.externalSender.signer.publicKey);
  }

  static async open(opts: SecureChannelOptions): Promise<SecureChannel> {
    const { store, box, engine } = opts;
    const limits = { ...DEFAULT_SECURE_LIMITS, ...opts.limits };
    const log = opts.logger ?? SILENT;
    const db = store.conn.db;
    const inboxes = new InboxStore(store.dialect, limits.maxQueueLength);
    const groups = new GroupStore();
    const signal: InboxSignal =
      store.dialect === 'postgres' && opts.databaseUrl !== undefined
        ? await PgInboxSignal.open(db, opts.databaseUrl, log)
        : opts.threads
          ? new ThreadInboxSignal()
          : new LocalInboxSignal();
    const sender = await loadExternalSender(db, box, () => engine.generateSignatureKeyPair());
    const streams = new DeviceStreams();
    const waker =
      opts.push &&
      new DeviceWaker({
        db,
        inboxes,
        box,
        push: opts.push,
        hasStream: (d) => streams.isOpen(d),
        intervalMs: limits.pushIntervalMs,
        log,
        ...(opts.now ? { now: opts.now } : {}),
      });
    const now = opts.now ? { now: opts.now } : {};
    const service = new DeliveryService({
      store,
      framing: engine,
      limits,
      groups,
      inboxes,
      fanout: new Fanout(signal, waker, log),
      ...(opts.welcomeRecipients ? { welcomeRecipients: opts.welcomeRecipients } : {}),
      proposer: removalProposer(sender, (r) => engine.externalRemoveProposal(r), engine.cipherSuite),
      ...now,
    });
    const inbox = new DeviceInbox({
      store,
      inboxes,
      box,
      limits,
      ...(opts.receipts ? { receipts: opts.receipts } : {}),
      ...now,
    });
    const expiry = new QueueExpiry({ store, inboxes, ttlMs: limits.queueTtlMs, log, ...now });
    const config: SecureConfig = {
      cipherSuite: engine.cipherSuite,
      externalSender: { ...sender.identity, signatureKey: encodeBase64(sender.signer.publicKey) },
    };
    return new SecureChannel(
      limits,
      streams,
      service,
      inbox,
      signal,
      expiry,
      sender,
      config,
      waker,
      opts.publishExternalSender,
    );
  }

  /**
   * What the `keys` part's revocation must call once a device is revoked (its status already
   * `revoked`, so nothing is routed to it any more): proposes its removal in every group where it
   * has a leaf, empties its inbox and ends its streams in this process (streams elsewhere end
   * at their next check). Returns how many groups got a proposal.
   */
  async revokeDevice(tenantId: TenantId, deviceId: string): Promise<{ groups: number }> {
    const groups = await this.service.proposeRemovalsOf(tenantId, deviceId);
    await this.inbox.drop(tenantId, deviceId);
    this.streams.closeDevice(deviceId, 'HERALD_ERR_DEVICE_INACTIVE');
    return { groups };
  }

  /** Waits for wake-up pushes in flight (tests). */
  async settled(): Promise<void> {
    await this.waker?.settled();
  }

  async close(): Promise<void> {
    this.streams.closeAll();
    await this.waker?.settled();
    await this.signal.close();
  }
}
