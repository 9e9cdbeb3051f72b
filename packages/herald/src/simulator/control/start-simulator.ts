import type { SmppLogger } from '../../channels/sms/smpp-adapter-options.ts';
import { loadProfile, type SimulatorProfile } from '../profile.ts';
import { startPush, type PushHandle } from '../push/push-server.ts';
import { startRbm, type RbmHandle } from '../rbm/rbm-server.ts';
import { startSmsc, type SmscHandle } from '../smsc/smsc-server.ts';
import { startSmtp, type SmtpHandle } from '../smtp/smtp-sim-server.ts';
import { startControl, type ControlHandle } from './control-server.ts';
import { FaultState } from './fault-state.ts';

/** How to start the whole carrier simulator. */
export interface StartSimulatorOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Ports per part; each defaults to 0 (ephemeral). */
  readonly ports?: {
    readonly smsc?: number;
    readonly rbm?: number;
    readonly smtp?: number;
    readonly push?: number;
    readonly control?: number;
  };
  readonly profile?: SimulatorProfile;
  readonly profilePath?: string;
  /** The RBM agent webhook (Herald's route); can be set later with `rbm.setWebhookUrl`. */
  readonly rbmWebhookUrl?: string;
  /** Where DSNs are posted; can be set later with `smtp.setDsnWebhookUrl`. */
  readonly dsnWebhookUrl?: string;
  /** With `password`: the SMSC accepts exactly this account. */
  readonly systemId?: string;
  readonly password?: string;
  readonly logger?: SmppLogger;
}

/** The running carrier simulator: SMSC, RBM, SMTP, push, and the control API. */
export interface SimulatorHandle {
  readonly smsc: SmscHandle;
  readonly rbm: RbmHandle;
  readonly smtp: SmtpHandle;
  readonly push: PushHandle;
  readonly control: ControlHandle;
  /** Every part's counters. */
  stats(): { smsc: unknown; rbm: unknown; smtp: unknown; push: unknown };
  close(): Promise<void>;
}

/**
 * Starts every simulated provider from one profile (one seed) plus the control API that injects
 * faults at runtime. Used by sandbox mode and `herald simulator`. If a part fails to start, the
 * parts already started are closed before the error is thrown.
 */
export async function startSimulator(opts: StartSimulatorOptions = {}): Promise<SimulatorHandle> {
  const profile = opts.profile ?? loadProfile(opts.profilePath);
  const host = opts.host ?? '127.0.0.1';
  const ports = opts.ports ?? {};
  const log = opts.logger === undefined ? {} : { logger: opts.logger };
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  try {
    const smsc = await startSmsc({
      host,
      port: ports.smsc ?? 0,
      profile,
      ...log,
      ...(opts.systemId === undefined ? {} : { systemId: opts.systemId, password: opts.password ?? '' }),
    });
    closers.push(() => smsc.close());
    const rbm = await startRbm({
      host,
      port: ports.rbm ?? 0,
      profile,
      faults: new FaultState(),
      ...log,
      ...(opts.rbmWebhookUrl === undefined ? {} : { webhookUrl: opts.rbmWebhookUrl }),
    });
    closers.push(() => rbm.close());
    const smtp = await startSmtp({
      host,
      port: ports.smtp ?? 0,
      profile,
      ...log,
      ...(opts.dsnWebhookUrl === undefined ? {} : { dsnWebhookUrl: opts.dsnWebhookUrl }),
    });
    closers.push(() => smtp.close());
    const push = await startPush({ host, port: ports.push ?? 0, profile, ...log });
    closers.push(() => push.close());
    const control = await startControl({ host, port: ports.control ?? 0, targets: { rbm, smtp, push } });
    closers.push(() => control.close());
    let closing: Promise<void> | undefined;
    return {
      smsc,
      rbm,
      smtp,
      push,
      control,
      stats: () => ({ smsc: smsc.stats(), rbm: rbm.stats(), smtp: smtp.stats(), push: push.stats() }),
      close: () => (closing ??= closeAll()),
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
