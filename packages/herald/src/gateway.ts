import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isMainThread, threadId } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { buildApi } from './api/server.ts';
import type { InboundEvent, Receipt } from './channels/channel-adapter.ts';
import { InboundStore } from './inbound/inbound-store.ts';
import { buildAdapters } from './channel-setup.ts';
import type { Config } from './config.ts';
import { loadMasterKey } from './crypto/master-key.ts';
import { SecretBox } from './crypto/secret-box.ts';
import { Dispatcher } from './delivery/dispatcher.ts';
import { AcceptQueue } from './messages/accept-queue.ts';
import { AcceptService } from './messages/accept-service.ts';
import type { TenantId } from './ids.ts';
import type { PolicyEngine } from './policy/decision.ts';
import { ActivePolicy, SHIPPED_DEFAULT_POLICY } from './policy-runtime/active-policy.ts';
import { runPeriodically } from './journal/periodic-task.ts';
import { startRecordLoops } from './journal/record-loops.ts';
import { openRecordLogs } from './journal/record-logs.ts';
import { openKeys } from './keys/open-keys.ts';
import { deviceSignatureKeys } from './keys/device-signature-keys.ts';
import { uploadCredentialValidator } from './keys/key-packages.ts';
import { SecureAdapter } from './channels/secure/secure-adapter.ts';
import { createNodeMlsEngine } from './e2ee/mls/node-mls-engine.ts';
import { externalSenderPublisher } from './secure/publish-external-sender.ts';
import { SecureChannel } from './secure/secure-channel.ts';
import { ensureSandboxTenant } from './sandbox/sandbox-tenant.ts';
import { startSimulator, type SimulatorHandle } from './simulator/control/start-simulator.ts';
import type { SmscHandle } from './simulator/smsc/smsc-server.ts';
import { Store } from './storage/store.ts';
import { ThreadWriteLock } from './storage/thread-write-lock.ts';
import { WebhookSender } from './webhooks/webhook-sender.ts';
import { WorkerThread } from './worker-thread/worker-thread.ts';

export interface GatewayOptions {
  readonly config: Config;
  /** Serve the HTTP API. */
  readonly api: boolean;
  /** Run the delivery worker in this process. */
  readonly worker: boolean;
  /** Sandbox mode: in-process carrier simulator, sandbox tenant and key file. */
  readonly sandbox: boolean;
  /**
   * With `api` and `worker` (not in sandbox mode): run the worker in a worker thread of this
   * process with its own database connection, so the API and the worker use two cores (ADR 0014).
   */
  readonly workerThread?: boolean;
  /** Called if the worker thread ends without being closed (the process should stop). */
  readonly onWorkerThreadStopped?: (code: number) => void;
  /** This gateway is one thread of a process split in threads (set inside the worker thread). */
  readonly threads?: boolean;
  /** The SQLite write lock shared with the API thread (set inside the worker thread). */
  readonly writeLock?: ThreadWriteLock;
  readonly logger?: Logger;
  readonly policy?: PolicyEngine;
}

/** A running Herald process (API, worker, or both). */
export interface Gateway {
  readonly url: string | undefined;
  readonly store: Store;
  readonly sandboxKey: string | undefined;
  readonly sim: SimulatorHandle | undefined;
  readonly smsc: SmscHandle | undefined;
  readonly app: FastifyInstance | undefined;
  /** The dispatcher, when it runs in this thread. */
  readonly dispatcher: Dispatcher | undefined;
  /** The worker thread, when the worker runs in one. */
  readonly workerThread: WorkerThread | undefined;
  /** This thread's channels that are not connected (for readiness). */
  problems(): string[];
  close(): Promise<void>;
}

/**
 * Starts Herald's parts in one process. `herald serve` runs the API and the worker (the worker in
 * a thread of its own with `workerThread`); `herald worker` the worker alone; sandbox mode adds
 * the carrier simulator and a ready tenant.
 */
export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const { config } = opts;
  // The worker in a thread of its own: this thread is the API, the thread the worker.
  const threaded = opts.workerThread === true && opts.api && opts.worker && !opts.sandbox;
  const runWorker = opts.worker && !threaded;
  const log = opts.logger ?? pino({ level: process.env.HERALD_LOG_LEVEL ?? 'info' });
  const local = !/^postgres/.test(config.databaseUrl);
  // The API thread and the worker thread take turns writing to SQLite (ADR 0014).
  const writeLock = opts.writeLock ?? (threaded ? new ThreadWriteLock(ThreadWriteLock.buffer()) : undefined);
  const store = await Store.open(config.databaseUrl, writeLock ? { writeLock } : {});
  const box = new SecretBox(loadMasterKey(config.masterKey, config.dataDir, local));
  const closers: Array<() => Promise<unknown>> = [() => store.close()];
  const closeAll = async () => {
    // Idempotent: each part closes once, the last started first.
    for (const c of closers.splice(0).reverse())
      await c().catch((err: unknown) => log.error({ err }, 'close failed'));
  };

  try {
    let sim: SimulatorHandle | undefined;
    let sandboxKey: string | undefined;
    if (opts.sandbox) {
      sim = await startSimulator({
        host: '127.0.0.1',
        systemId: 'herald',
        password: 'sandbox',
        ...(config.simulatorProfile ? { profilePath: config.simulatorProfile } : {}),
      });
      closers.push(() => sim!.close());
      sandboxKey = (await ensureSandboxTenant(store, config.dataDir)).key;
    }

    const onReceipt = (r: Receipt) => store.delivery.recordReceipt(r).then(() => undefined);
    const inbound = new InboundStore(store.conn.db, store.tx, box);
    const onInbound = async (e: InboundEvent) => {
      const outcome = await inbound.record(e);
      if (outcome.kind === 'unmatched') log.warn({ channel: e.channel }, 'a reply matched no sent message');
    };
    const adapters = buildAdapters(config, sim, { onReceipt, onInbound }, log, { worker: runWorker });
    const logs = await openRecordLogs(store, config.dataDir, process.env, local || opts.sandbox);
    if (!logs)
      log.warn(
        {},
        'no archive or log signer keys: messages a policy journals `sealed` will fail, not be sent unjournaled',
      );

    // The secure channel: devices and the key directory (`keys`), the Delivery Service (`secure`).
    // Revoking a device has the Delivery Service propose its removal from every group.
    const revoked: { channel?: SecureChannel } = {};
    const keys = openKeys(store, config.dataDir, process.env, local || opts.sandbox, {
      logger: log.child({ part: 'keys' }),
      revocationListener: {
        onRevoked: async (d) =>
          void (await revoked.channel?.revokeDevice(d.tenantId as TenantId, d.deviceId)),
      },
    });
    const mls = createNodeMlsEngine({
      credentialValidator: uploadCredentialValidator(deviceSignatureKeys(store.conn.db)),
    });
    const secure = await SecureChannel.open({
      store,
      box,
      engine: mls,
      ...(store.dialect === 'postgres' ? { databaseUrl: config.databaseUrl } : {}),
      threads: threaded || opts.threads === true,
      ...(adapters.get('push') ? { push: adapters.get('push')! } : {}),
      receipts: onReceipt,
      publishExternalSender: externalSenderPublisher(store, keys.directory),
      // Welcomes go to the devices whose claimed KeyPackages they name.
      welcomeRecipients: (tenantId, refs) => keys.keyPackages.devicesForKeyPackageRefs(tenantId, refs),
      limits: { queueTtlMs: config.secureQueueTtlMs },
      logger: log.child({ part: 'secure' }),
    });
    revoked.channel = secure;
    closers.push(() => secure.close());
    adapters.set('secure', new SecureAdapter({ delivery: secure.service }));
    // Every adapter, the secure one included, starts here (readiness waits for each).
    for (const [channel, adapter] of adapters) {
      closers.push(() => adapter.close());
      // Not awaited: adapters reconnect on their own, and sends wait or fail retryably meanwhile.
      // `start` rejects only for good (e.g. the SMSC refused the credentials).
      adapter
        .start()
        .catch((err: unknown) =>
          log.error({ channel, err: { code: (err as { code?: string }).code } }, 'adapter stopped'),
        );
    }
    if (!keys.directory.canSequence)
      log.warn(
        {},
        'no HERALD_KEYS_SIGNER_KEY: this process records key directory entries but does not sequence them',
      );

    const problems = (): string[] =>
      [...adapters].filter(([, a]) => !a.isReady()).map(([channel]) => `${channel} not connected`);
    let dispatcher: Dispatcher | undefined;
    let thread: WorkerThread | undefined;
    if (threaded) {
      thread = await WorkerThread.start(config, log.level, writeLock!, (code) => {
        log.error({ code }, 'the delivery worker thread stopped');
        opts.onWorkerThreadStopped?.(code);
      });
      closers.push(() => thread!.close());
    }
    if (runWorker) {
      const webhookSender = new WebhookSender(store.webhooks, box);
      closers.push(async () => webhookSender.close());
      dispatcher = new Dispatcher(
        store,
        adapters,
        box,
        webhookSender,
        {
          owner: `${hostname()}:${process.pid}${isMainThread ? '' : `:${threadId}`}`,
          concurrency: config.workerConcurrency,
          leaseMs: config.leaseMs,
          idlePollMs: 250,
          // A send must end well inside its lease, or a second worker could start the same job.
          sendTimeoutMs: Math.min(30_000, Math.floor(config.leaseMs / 2)),
          maxAttempts: config.maxAttempts,
          backoff: { baseMs: config.retryBaseMs, maxMs: config.retryMaxMs },
          webhookMaxAttempts: 10,
          webhookBackoff: { baseMs: 1000, maxMs: 15 * 60_000 },
          prices: config.prices,
          rateCaps: config.rateCaps,
        },
        log.child({ part: 'worker' }),
        logs?.journal,
      );
      dispatcher.start();
      // The sequencers and the retention job (integrate leaves, sign checkpoints, shred what expired).
      if (logs) {
        const loops = startRecordLoops(
          logs,
          {
            db: store.conn.db,
            dialect: store.dialect,
            retentionEveryMs: config.journalRetentionIntervalMs,
          },
          log.child({ part: 'journal' }),
        );
        closers.push(() => loops.stop());
      }
      if (keys.directory.canSequence) {
        const directory = runPeriodically(
          () => keys.directory.log.sequenceAll(),
          1000,
          (err: unknown) =>
            log.error({ err: { code: (err as { code?: string }).code } }, 'key directory sequencing failed'),
        );
        closers.push(() => directory.stop());
      }
      // Replies are kept for HERALD_INBOUND_RETENTION (at least an hour); each worker deletes
      // expired ones at start and hourly.
      const replies = runPeriodically(
        () => inbound.expire(Date.now() - config.inboundRetentionMs),
        3_600_000,
        (err: unknown) =>
          log.error({ err: { code: (err as { code?: string }).code } }, 'reply retention failed'),
      );
      closers.push(() => replies.stop());
      // The inbox TTL job: deletes what no device fetched in time (safe in every worker).
      const expiry = secure.expiry.start(config.secureQueueExpiryIntervalMs);
      closers.push(() => expiry.stop());
      closers.push(() => dispatcher!.stop());
    }

    let app: FastifyInstance | undefined;
    let url: string | undefined;
    if (opts.api) {
      let active: ActivePolicy | undefined;
      if (!opts.policy) {
        const file = config.policyFile ?? fileURLToPath(SHIPPED_DEFAULT_POLICY);
        active = await ActivePolicy.open(store.conn.db, {
          source: readFileSync(file, 'utf8'),
          filename: file,
        });
        if (config.policyFile) {
          active.watchFile(config.policyFile, (r) =>
            r.ok
              ? log.info({ version: r.policy.version }, 'policy file activated')
              : log.error({ code: r.error.code }, 'policy file refused; the previous version stays active'),
          );
        }
        active.followOthers();
        closers.push(async () => active!.close());
      }
      const current = opts.policy ? () => opts.policy! : () => active!.current();
      await store.messages.prepareAccept();
      const queue = new AcceptQueue(store.messages, () => (thread ?? dispatcher)?.wake());
      const accept = new AcceptService({
        queue,
        store: store.messages,
        policy: current,
        box,
        retentionClasses: new Set(config.retentionClasses),
        defaultRetention: config.defaultRetention,
        contacts: store.contacts,
        mls,
      });
      app = await buildApi({
        store,
        accept,
        box,
        adapters,
        inbound,
        ...(logs ? { logs } : {}),
        ...(active ? { policy: active } : {}),
        keys,
        secure,
        corsOrigins: config.corsOrigins,
        logger: log.child({ part: 'api' }),
        readiness: async () => {
          const found: string[] = [];
          await store.ping().catch(() => found.push('database unreachable'));
          found.push(...problems(), ...(thread ? await thread.problems() : []));
          return found;
        },
      });
      url = await app.listen({ host: config.host, port: config.port });
      closers.push(() => app!.close());
      // The simulated providers call back into this API, as real ones would.
      sim?.rbm.setWebhookUrl(`${url}/v1/providers/rcs/events`);
      sim?.smtp.setDsnWebhookUrl(`${url}/v1/providers/email/events`);
    }
    return {
      url,
      store,
      sandboxKey,
      sim,
      smsc: sim?.smsc,
      app,
      dispatcher,
      workerThread: thread,
      problems,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
