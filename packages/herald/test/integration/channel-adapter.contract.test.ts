// Runs the ChannelAdapter contract against every adapter and its simulated provider.
import type { TestContext } from 'node:test';
import type { Receipt } from '../../src/channels/channel-adapter.ts';
import { EmailAdapter } from '../../src/channels/email/email-adapter.ts';
import { PushAdapter } from '../../src/channels/push/push-adapter.ts';
import { RbmAdapter } from '../../src/channels/rcs/rbm-adapter.ts';
import { SmppAdapter } from '../../src/channels/sms/smpp-adapter.ts';
import { parseProfile } from '../../src/simulator/profile.ts';
import { startPush } from '../../src/simulator/push/push-server.ts';
import { startRbm } from '../../src/simulator/rbm/rbm-server.ts';
import { startSmsc } from '../../src/simulator/smsc/smsc-server.ts';
import { startSmtp } from '../../src/simulator/smtp/smtp-sim-server.ts';
import { channelAdapterContract, type ContractRig } from './channel-adapter.contract.ts';
import { startWebhookReceiver } from './channel-adapter.helpers.ts';

const PROFILE = parseProfile(`
smsc:
  accounts: [{ systemId: herald, password: sandbox }]
  receiptDelayMs: 5
  recipients:
    '+15551110001': { receipt: DELIVRD }
    '+15551110002': { submitStatus: ESME_RSUBMITFAIL }
    '+15551110003': { submitStatus: ESME_RSYSERR }
    '+15551110004': { submitLatencyMs: 3000 }
rbm:
  behaviour: { deliveryDelayMs: 5, readRate: 0 }
  recipients:
    '+15551110002': { send: invalid }
    '+15551110003': { send: unavailable }
smtp:
  behaviour: { deliveryDelayMs: 5 }
  recipients:
    'delivered@sandbox.herald.test': { dsn: delivered }
    'unknown@sandbox.herald.test': { rcpt: '550 5.1.1 No such user here' }
    'full@sandbox.herald.test': { rcpt: '452 4.2.2 Mailbox full' }
push:
  recipients:
    'apns:0000000000000000000000000000000000000000000000000000000000000002': { fault: unregistered }
    'apns:0000000000000000000000000000000000000000000000000000000000000005': { fault: unavailable }
    'fcm:sandbox-unregistered': { fault: unregistered }
    'fcm:sandbox-unavailable': { fault: unavailable }
`);

async function smsRig(t: TestContext): Promise<ContractRig> {
  const smsc = await startSmsc({ port: 0, profile: PROFILE });
  const receipts: Receipt[] = [];
  const adapter = new SmppAdapter({
    host: '127.0.0.1',
    port: smsc.port,
    systemId: 'herald',
    password: 'sandbox',
    sourceAddr: 'Herald',
    closeTimeoutMs: 200,
    onReceipt: async (r) => void receipts.push(r),
  });
  t.after(async () => {
    await adapter.close();
    await smsc.close();
  });
  await adapter.start({ signal: AbortSignal.timeout(3000) });
  return {
    adapter,
    receipts,
    to: { ok: '+15551110001', permanent: '+15551110002', retryable: '+15551110003', slow: '+15551110004' },
    stableProviderId: false,
    shown: (m) => smsc.submitsFor(m.messageId),
    providerRequests: () => smsc.stats().submitted,
  };
}

async function rcsRig(t: TestContext): Promise<ContractRig> {
  const rbm = await startRbm({ profile: PROFILE });
  const receipts: Receipt[] = [];
  const adapter = new RbmAdapter({
    baseUrl: rbm.url,
    agentId: rbm.agentId,
    accessToken: rbm.token,
    clientToken: rbm.clientToken,
    onReceipt: async (r) => void receipts.push(r),
  });
  const receiver = await startWebhookReceiver(adapter);
  rbm.setWebhookUrl(receiver.url);
  t.after(async () => {
    await adapter.close();
    await rbm.close();
    await receiver.close();
  });
  await adapter.start();
  return {
    adapter,
    receipts,
    to: { ok: '+15551110001', permanent: '+15551110002', retryable: '+15551110003', slow: '+15551110004' },
    stableProviderId: true,
    shown: (m) => (rbm.message(m.messageId) === undefined ? 0 : 1),
    providerRequests: () => rbm.stats().requests,
    badResponse: (kind) => rbm.faults.badResponses(kind, 1),
    ...slowWith(rbm.faults, t),
  };
}

async function emailRig(t: TestContext): Promise<ContractRig> {
  const smtp = await startSmtp({ profile: PROFILE });
  const receipts: Receipt[] = [];
  const adapter = new EmailAdapter({
    host: '127.0.0.1',
    port: smtp.port,
    servername: 'localhost',
    ca: smtp.ca!,
    from: 'notifications@herald.test',
    dsnSecret: smtp.dsnSecret,
    onReceipt: async (r) => void receipts.push(r),
    timeoutMs: 3000,
  });
  const receiver = await startWebhookReceiver(adapter);
  smtp.setDsnWebhookUrl(receiver.url);
  t.after(async () => {
    await adapter.close();
    await smtp.close();
    await receiver.close();
  });
  await adapter.start();
  return {
    adapter,
    receipts,
    to: {
      ok: 'delivered@sandbox.herald.test',
      permanent: 'unknown@sandbox.herald.test',
      retryable: 'full@sandbox.herald.test',
      slow: 'slow@sandbox.herald.test',
    },
    stableProviderId: true,
    shown: (m) => smtp.mailbox(m.to).filter((mail) => mail.messageId === adapter.messageIdFor(m)).length,
    providerRequests: () => smtp.stats().connections,
    badResponse: (kind) => smtp.faults.badResponses(kind, 1),
    ...slowWith(smtp.faults, t),
  };
}

async function pushRig(t: TestContext, provider: 'apns' | 'fcm'): Promise<ContractRig> {
  const push = await startPush({ profile: PROFILE });
  const { apns, fcm } = push.credentials;
  const adapter = new PushAdapter({
    apns: {
      origin: push.url,
      ca: push.ca,
      teamId: apns.teamId,
      keyId: apns.keyId,
      topic: apns.topic,
      privateKey: apns.privateKey!,
    },
    fcm: { origin: push.url, ca: push.ca, projectId: fcm.projectId, accessToken: fcm.accessToken },
  });
  t.after(async () => {
    await adapter.close();
    await push.close();
  });
  await adapter.start();
  const to =
    provider === 'apns'
      ? {
          ok: `apns:${'ab'.repeat(32)}`,
          permanent: `apns:${'0'.repeat(63)}2`,
          retryable: `apns:${'0'.repeat(63)}5`,
          slow: `apns:${'cd'.repeat(32)}`,
        }
      : {
          ok: 'fcm:device-1',
          permanent: 'fcm:sandbox-unregistered',
          retryable: 'fcm:sandbox-unavailable',
          slow: 'fcm:device-2',
        };
  return {
    adapter,
    receipts: [],
    to,
    stableProviderId: provider === 'apns',
    shown: (m) => push.shownFor(m.messageId),
    providerRequests: () => push.stats().requests,
    badResponse: (kind) => push.faults.badResponses(kind, 1),
    ...slowWith(push.faults, t),
  };
}

/** The HTTP and SMTP simulators slow every answer (by 3 s) for the abort case's `slow` recipient. */
function slowWith(faults: { slow(ms: number): void }, t: TestContext): Record<string, never> {
  if (t.name.startsWith('aborting')) faults.slow(3000);
  return {};
}

channelAdapterContract('sms (SMPP)', smsRig, {
  notIdempotent:
    'SMSCs do not de-duplicate: a resend of one message id is a second SMS (TLV 0x1400 is Herald-only)',
  noBadResponses:
    'the SMSC simulator has no malformed-PDU fault; SMPP framing errors are covered in sms-smpp-faults',
});
channelAdapterContract('rcs (RBM)', rcsRig);
channelAdapterContract('email (SMTP)', emailRig);
channelAdapterContract('push (APNs)', (t) => pushRig(t, 'apns'), {
  noReceipts: 'APNs sends no delivery receipts',
});
channelAdapterContract('push (FCM)', (t) => pushRig(t, 'fcm'), {
  noReceipts: 'FCM HTTP v1 sends no delivery receipts',
});
