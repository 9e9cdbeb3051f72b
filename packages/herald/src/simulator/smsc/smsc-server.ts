import { SILENT_LOGGER, type SmppLogger } from '../../channels/sms/smpp-adapter-options.ts';
import { createSmppServer } from '../../channels/sms/smpp-wire.ts';
import { HeraldError } from '../../errors/index.ts';
import { loadProfile, type SimulatorProfile, type SmscAccount } from '../profile.ts';
import { mulberry32 } from '../prng.ts';
import { ReceiptDispatcher } from './receipt-dispatcher.ts';
import { attachSmscSession, type SmscContext } from './smsc-session.ts';
import { SmscCounters, type SmscStats } from './smsc-stats.ts';
import { TokenBucket } from './token-bucket.ts';

/** How to start the simulated SMSC. */
export interface StartSmscOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 2775 (the SMPP port); 0 picks a free port. */
  readonly port?: number;
  /** A validated profile; wins over `profilePath`. */
  readonly profile?: SimulatorProfile;
  /** A YAML profile file; default: the shipped sandbox profile (`profiles/default.yaml`). */
  readonly profilePath?: string;
  /** With `password`: accept exactly this account instead of the profile's. */
  readonly systemId?: string;
  readonly password?: string;
  readonly logger?: SmppLogger;
}

/** A running simulated SMSC. */
export interface SmscHandle {
  readonly host: string;
  /** The port it listens on (the real one when 0 was asked for). */
  readonly port: number;
  /** Counters since start. */
  stats(): SmscStats;
  /** How many submit_sm carried this Herald message id (TLV 0x1400). */
  submitsFor(heraldMessageId: string): number;
  /** Drops every connection at once, as a network failure would; the server keeps listening. */
  dropConnections(): void;
  /** Stops listening, drops connections and cancels pending responses and receipts. */
  close(): Promise<void>;
}

// SMSC message ids: decimal, unique within a process and, because they start from the clock,
// across restarts of the simulator (a reconnecting ESME must not see an id reused).
let lastMessageId = Date.now() * 1000;

/**
 * Starts an SMPP 3.4 SMSC on `host:port` whose behaviour (latency, failures, throttling,
 * receipts, per-number rules) comes from a seeded profile. Used by `herald simulator`, sandbox
 * mode and the integration tests.
 */
export async function startSmsc(options: StartSmscOptions = {}): Promise<SmscHandle> {
  const profile = options.profile ?? loadProfile(options.profilePath);
  const host = options.host ?? '127.0.0.1';
  const wantedPort = options.port ?? 2775;
  const log = options.logger ?? SILENT_LOGGER;
  const accounts: readonly SmscAccount[] =
    options.systemId !== undefined
      ? [{ systemId: options.systemId, password: options.password ?? '' }]
      : profile.smsc.accounts;
  const counters = new SmscCounters();
  const receipts = new ReceiptDispatcher(profile.smsc, counters);
  const ctx: SmscContext = {
    profile: profile.smsc,
    seed: profile.seed,
    accounts,
    counters,
    receipts,
    throttle:
      profile.smsc.throttlePerSecond > 0 ? new TokenBucket(profile.smsc.throttlePerSecond) : undefined,
    byHeraldId: new Map(),
    random: mulberry32(profile.seed),
    timers: new Set(),
    log,
    nextMessageId: () => String(++lastMessageId),
  };

  const server = createSmppServer((session) => attachSmscSession(session, ctx));
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error & { code?: string }): void => {
      reject(
        new HeraldError(
          'HERALD_ERR_SIMULATOR_LISTEN_FAILED',
          { host, port: wantedPort, detail: err.code ?? 'listen error' },
          { cause: err },
        ),
      );
    };
    server.once('error', onError);
    server.listen(wantedPort, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : wantedPort;
  log.info({ host, port, seed: profile.seed }, 'smsc: listening');

  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    stats: () => counters.snapshot(receipts.pending),
    submitsFor: (id) => ctx.byHeraldId.get(id)?.submits ?? 0,
    dropConnections: () => {
      for (const session of [...server.sessions]) session.destroy();
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        receipts.close();
        for (const timer of ctx.timers) clearTimeout(timer);
        ctx.timers.clear();
        server.close(() => resolve());
        for (const session of [...server.sessions]) session.destroy();
      })),
  };
}
