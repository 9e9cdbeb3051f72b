import type { Logger } from 'pino';
import type { Channel, ChannelAdapter, InboundSink, ReceiptSink } from './channels/channel-adapter.ts';
import { EmailAdapter } from './channels/email/email-adapter.ts';
import { PushAdapter } from './channels/push/push-adapter.ts';
import { RbmAdapter } from './channels/rcs/rbm-adapter.ts';
import { SmppAdapter } from './channels/sms/smpp-adapter.ts';
import type { Config } from './config.ts';
import type { PushConfig } from './config-push.ts';
import type { PushAdapterOptions } from './channels/push/push-adapter-options.ts';
import { ServiceAccountTokens } from './channels/push/service-account-token.ts';
import type { SimulatorHandle } from './simulator/control/start-simulator.ts';
import type { PushHandle } from './simulator/push/push-server.ts';

/**
 * Builds the channel adapters this process needs, from configuration or, in sandbox mode, from
 * the in-process simulator. SMPP connects only in a worker (receipts arrive on its session);
 * the HTTP providers' adapters exist in API processes too, because their receipts arrive as
 * webhooks on the API.
 */
export function buildAdapters(
  config: Config,
  sim: SimulatorHandle | undefined,
  sinks: { readonly onReceipt: ReceiptSink; readonly onInbound: InboundSink },
  log: Logger,
  opts: { worker: boolean },
): Map<Channel, ChannelAdapter> {
  const { onReceipt, onInbound } = sinks;
  const adapters = new Map<Channel, ChannelAdapter>();
  const smpp =
    config.smpp ??
    (sim && {
      host: '127.0.0.1',
      port: sim.smsc.port,
      systemId: 'herald',
      password: 'sandbox',
      sourceAddr: 'Herald',
    });
  if (opts.worker && smpp) {
    adapters.set(
      'sms',
      new SmppAdapter({ ...smpp, onReceipt, onInbound, logger: log.child({ part: 'smpp' }) }),
    );
  }
  const rbm =
    config.rbm ??
    (sim && {
      baseUrl: sim.rbm.url,
      agentId: sim.rbm.agentId,
      accessToken: sim.rbm.token,
      clientToken: sim.rbm.clientToken,
    });
  if (rbm)
    adapters.set('rcs', new RbmAdapter({ ...rbm, onReceipt, onInbound, logger: log.child({ part: 'rbm' }) }));
  const smtp =
    config.smtp ??
    (sim && {
      host: '127.0.0.1',
      port: sim.smtp.port,
      from: 'sandbox@herald.test',
      ...(sim.smtp.ca ? { ca: sim.smtp.ca, servername: 'localhost' } : {}),
      dsnSecret: sim.smtp.dsnSecret,
    });
  if (smtp)
    adapters.set('email', new EmailAdapter({ ...smtp, onReceipt, logger: log.child({ part: 'smtp' }) }));
  const push = config.push ? productionPush(config.push) : sim && simulatorPushOptions(sim.push);
  if (push) adapters.set('push', new PushAdapter({ ...push, logger: log.child({ part: 'push' }) }));
  return adapters;
}

/** APNs with the team's signing key; FCM with OAuth tokens from its service account. */
function productionPush(push: PushConfig): PushAdapterOptions {
  const { apns, fcm } = push;
  const ca = push.ca === undefined ? {} : { ca: push.ca };
  const tokens = fcm && new ServiceAccountTokens(fcm.account, ca);
  return {
    ...(apns ? { apns: { ...apns, ...ca } } : {}),
    ...(fcm && tokens
      ? {
          fcm: {
            origin: fcm.origin,
            ...ca,
            projectId: fcm.account.projectId,
            accessToken: () => tokens.token(),
          },
        }
      : {}),
  };
}

/** The simulated APNs and FCM, with the credentials the simulator made at start. */
export function simulatorPushOptions(push: PushHandle): PushAdapterOptions {
  const { url: origin, ca, credentials } = push;
  return {
    apns: { origin, ca, ...credentials.apns, privateKey: credentials.apns.privateKey! },
    fcm: { origin, ca, projectId: credentials.fcm.projectId, accessToken: credentials.fcm.accessToken },
  };
}
