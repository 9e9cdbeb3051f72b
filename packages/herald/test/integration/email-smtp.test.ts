// The email adapter against the simulator's SMTP server: real SMTP over TCP on 127.0.0.1 with
// STARTTLS (certificate made at start), DSN reports posted back to the adapter's webhook.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import type { Receipt } from '../../src/channels/channel-adapter.ts';
import { EmailAdapter } from '../../src/channels/email/email-adapter.ts';
import type { EmailAdapterOptions } from '../../src/channels/email/email-adapter-options.ts';
import { loadProfile, parseProfile } from '../../src/simulator/profile.ts';
import { verifyDkim } from '../../src/simulator/smtp/dkim-verify.ts';
import { startSmtp, type SmtpHandle } from '../../src/simulator/smtp/smtp-sim-server.ts';
import { heraldCode, startWebhookReceiver, testMessage, waitFor } from './channel-adapter.helpers.ts';

interface Rig {
  smtp: SmtpHandle;
  adapter: EmailAdapter;
  receipts: Receipt[];
}

async function rig(
  t: TestContext,
  opts: { profile?: string; adapter?: Partial<EmailAdapterOptions> } = {},
): Promise<Rig> {
  const smtp = await startSmtp({
    profile: opts.profile === undefined ? loadProfile() : parseProfile(opts.profile),
  });
  const receipts: Receipt[] = [];
  const adapter = new EmailAdapter({
    host: '127.0.0.1',
    port: smtp.port,
    servername: 'localhost',
    ...(smtp.ca === undefined ? {} : { ca: smtp.ca }),
    from: 'notifications@herald.test',
    dsnSecret: smtp.dsnSecret,
    onReceipt: async (r) => void receipts.push(r),
    timeoutMs: 3000,
    ...opts.adapter,
  });
  const receiver = await startWebhookReceiver(adapter);
  smtp.setDsnWebhookUrl(receiver.url);
  t.after(async () => {
    await adapter.close();
    await smtp.close();
    await receiver.close();
  });
  await adapter.start();
  return { smtp, adapter, receipts };
}

describe('email adapter against a real SMTP server', () => {
  test('delivers over STARTTLS, the test reads the message back, and a DSN says delivered', async (t) => {
    const { adapter, smtp, receipts } = await rig(t);
    const msg = testMessage('delivered@sandbox.herald.test', { body: 'Your statement is ready.' });
    const sent = await adapter.send(msg);
    assert.equal(sent.providerMessageId, `<${msg.messageId}@herald.test>`);
    const [mail] = smtp.mailbox('delivered@sandbox.herald.test');
    assert.ok(mail, 'the server has the message');
    assert.equal(mail.secure, true, 'sent under TLS');
    assert.equal(mail.messageId, sent.providerMessageId);
    assert.equal(mail.envelope.envid, msg.messageId, 'ENVID carries the message id (RFC 3461)');
    assert.match(mail.raw, /Your statement is ready\./);
    assert.match(mail.raw, /^From: notifications@herald\.test/m);
    await waitFor('the DSN receipt', () => receipts.length === 1);
    assert.deepEqual(
      [receipts[0]?.providerMessageId, receipts[0]?.status, receipts[0]?.providerStatus],
      [sent.providerMessageId, 'delivered', 'delivered'],
    );
  });

  test('signs with DKIM when a key is configured, and the signature verifies', async (t) => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { adapter, smtp } = await rig(t, {
      adapter: {
        dkim: {
          domainName: 'herald.test',
          keySelector: 'sbx2024',
          privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        },
      },
    });
    smtp.trustDkimKey('sbx2024', 'herald.test', publicKey.export({ type: 'spki', format: 'pem' }).toString());
    await adapter.send(testMessage('silent@sandbox.herald.test', { body: 'Signed  body\twith   spaces' }));
    const [mail] = smtp.messages();
    assert.match(mail!.raw, /^DKIM-Signature: .*d=herald\.test/ms);
    assert.match(mail!.raw, /^DKIM-Signature: .*s=sbx2024/ms);
    assert.deepEqual(mail!.dkim, { result: 'pass', domain: 'herald.test', selector: 'sbx2024' });
    assert.equal(smtp.stats().dkimPass, 1);
    // The same check fails once the body is changed in transit.
    const keys = new Map([
      ['sbx2024._domainkey.herald.test', publicKey.export({ type: 'spki', format: 'pem' }).toString()],
    ]);
    assert.equal(verifyDkim(mail!.raw, keys).result, 'pass');
    assert.equal(verifyDkim(mail!.raw.replace('Signed', 'Forged'), keys).result, 'fail');
  });

  test('an asynchronous bounce becomes an undelivered receipt with the RFC 3463 status', async (t) => {
    const { adapter, receipts } = await rig(t);
    const sent = await adapter.send(testMessage('bounce@sandbox.herald.test'));
    await waitFor('the bounce', () => receipts.length === 1);
    assert.deepEqual(
      [receipts[0]?.providerMessageId, receipts[0]?.status, receipts[0]?.errorCode],
      [sent.providerMessageId, 'undelivered', '5.1.1'],
    );
  });

  test('SMTP replies map to permanent and retryable errors', async (t) => {
    const { adapter, smtp } = await rig(t);
    await assert.rejects(
      adapter.send(testMessage('unknown@sandbox.herald.test')),
      heraldCode('HERALD_ERR_CHANNEL_REJECTED', false),
    );
    await assert.rejects(
      adapter.send(testMessage('spam@sandbox.herald.test')),
      heraldCode('HERALD_ERR_CHANNEL_REJECTED', false),
    );
    await assert.rejects(
      adapter.send(testMessage('full@sandbox.herald.test')),
      heraldCode('HERALD_ERR_CHANNEL_UNAVAILABLE', true),
    );
    await assert.rejects(
      adapter.send(testMessage('throttled@sandbox.herald.test')),
      heraldCode('HERALD_ERR_CHANNEL_THROTTLED', true),
    );
    assert.equal(smtp.stats().messages, 0);
  });

  test('refuses to send in clear text when the server offers no STARTTLS', async (t) => {
    const { adapter, smtp } = await rig(t, { profile: 'smtp: { starttls: false }\n' });
    await assert.rejects(
      adapter.send(testMessage('a@sandbox.herald.test')),
      heraldCode('HERALD_ERR_CHANNEL_TLS_REQUIRED', true),
    );
    assert.equal(smtp.stats().messages, 0, 'nothing was sent');
  });

  test('sends in clear text only when configured to', async (t) => {
    const { adapter, smtp } = await rig(t, {
      profile: 'smtp: { starttls: false }\n',
      adapter: { tls: 'none' },
    });
    await adapter.send(testMessage('a@sandbox.herald.test'));
    assert.equal(smtp.messages()[0]?.secure, false);
  });

  test('refuses a server certificate it does not trust', async (t) => {
    const smtp = await startSmtp({ profile: loadProfile() });
    const adapter = new EmailAdapter({
      host: '127.0.0.1',
      port: smtp.port,
      from: 'notifications@herald.test',
      onReceipt: async () => {},
      timeoutMs: 3000,
    });
    t.after(async () => {
      await adapter.close();
      await smtp.close();
    });
    await assert.rejects(
      adapter.send(testMessage('a@sandbox.herald.test')),
      heraldCode('HERALD_ERR_CHANNEL_TLS_REQUIRED', true),
    );
    assert.equal(smtp.stats().messages, 0);
  });

  test('refuses DSN webhooks without the right signature', async (t) => {
    const { adapter } = await rig(t);
    const reply = await adapter.handleWebhook(Buffer.from('Content-Type: text/plain\r\n\r\nhi'), {
      'x-herald-sim-signature': 'sha256=00',
    });
    assert.equal(reply.status, 401);
  });
});
