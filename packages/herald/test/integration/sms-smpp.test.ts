// The SMPP adapter against the simulator's SMSC over real TCP on 127.0.0.1.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { OutboundMessage, Receipt, ReceiptSink } from '../../src/channels/channel-adapter.ts';
import { SmppAdapter } from '../../src/channels/sms/smpp-adapter.ts';
import type { SmppAdapterOptions } from '../../src/channels/sms/smpp-adapter-options.ts';
import { isHeraldError } from '../../src/errors/index.ts';
import type { AttemptId, MessageId, TenantId } from '../../src/ids.ts';
import { loadProfile, parseProfile } from '../../src/simulator/profile.ts';
import { startSmsc, type SmscHandle } from '../../src/simulator/smsc/smsc-server.ts';

const ACCOUNT = 'smsc:\n  accounts: [{ systemId: herald, password: sandbox }]\n';

let seq = 0;
function message(to: string, over: Partial<OutboundMessage> = {}): OutboundMessage {
  seq++;
  return {
    messageId: `msg_test${seq}` as MessageId,
    attemptId: `att_test${seq}` as AttemptId,
    tenantId: 'ten_test' as TenantId,
    to,
    body: 'Your code is 123456',
    contentKind: 'full',
    ...over,
  };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Rig {
  smsc: SmscHandle;
  adapter: SmppAdapter;
  receipts: Receipt[];
}

/** Starts an SMSC with `profileYaml` (default: the sandbox profile) and a bound adapter. */
async function rig(
  t: TestContext,
  opts: { profile?: string; adapter?: Partial<SmppAdapterOptions>; sink?: ReceiptSink } = {},
): Promise<Rig> {
  const profile = opts.profile === undefined ? loadProfile() : parseProfile(opts.profile);
  const smsc = await startSmsc({ port: 0, profile });
  const receipts: Receipt[] = [];
  const adapter = new SmppAdapter({
    host: '127.0.0.1',
    port: smsc.port,
    systemId: 'herald',
    password: 'sandbox',
    sourceAddr: 'Herald',
    reconnect: { initialMs: 20, maxMs: 200 },
    onReceipt: opts.sink ?? (async (r) => void receipts.push(r)),
    ...opts.adapter,
  });
  t.after(async () => {
    await adapter.close();
    await smsc.close();
  });
  await adapter.start({ signal: AbortSignal.timeout(3000) });
  return { smsc, adapter, receipts };
}

function heraldCode(code: string, retryable: boolean) {
  return (err: unknown): boolean => {
    assert.ok(isHeraldError(err), `expected a HeraldError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.isRetryable, retryable);
    return true;
  };
}

describe('SMPP adapter against the simulated SMSC', () => {
  test('a delivered receipt reaches the sink with the id submit_sm_resp gave', async (t) => {
    const { adapter, receipts, smsc } = await rig(t);
    assert.equal(adapter.isReady(), true);
    const sent = await adapter.send(message('+15550000001'));
    await waitFor('receipt', () => receipts.length === 1);
    assert.equal(receipts[0]?.providerMessageId, sent.providerMessageId);
    assert.equal(receipts[0]?.status, 'delivered');
    assert.equal(receipts[0]?.providerStatus, 'DELIVRD');
    await waitFor('ack', () => smsc.stats().receiptsAcked === 1);
  });

  for (const format of ['text', 'tlv'] as const) {
    test(`an undelivered receipt is understood in ${format}-only format`, async (t) => {
      const { adapter, receipts } = await rig(t, {
        profile: `${ACCOUNT}  receiptDelayMs: 1\n  receiptFormat: ${format}\n  undeliveredRate: 1\n`,
      });
      const sent = await adapter.send(message('+15551230000'));
      await waitFor('receipt', () => receipts.length === 1);
      assert.deepEqual(
        { id: receipts[0]?.providerMessageId, status: receipts[0]?.status },
        { id: sent.providerMessageId, status: 'undelivered' },
      );
    });
  }

  test('sandbox numbers map to the documented errors', async (t) => {
    const { adapter, smsc } = await rig(t);
    await assert.rejects(
      adapter.send(message('+15550000003')),
      heraldCode('HERALD_ERR_CHANNEL_THROTTLED', true),
    );
    await assert.rejects(
      adapter.send(message('+15550000004')),
      heraldCode('HERALD_ERR_CHANNEL_REJECTED', false),
    );
    await assert.rejects(
      adapter.send(message('+15550000007')),
      heraldCode('HERALD_ERR_CHANNEL_INVALID_DESTINATION', false),
    );
    await assert.rejects(
      adapter.send(message('+15550000008')),
      heraldCode('HERALD_ERR_CHANNEL_UNAVAILABLE', true),
    );
    assert.equal(smsc.stats().byRecipient['+15550000004'], 1);
  });

  test('the SMSC throughput limit comes back as a retryable throttling error', async (t) => {
    const { adapter, smsc } = await rig(t, { profile: `${ACCOUNT}  throttle: { maxPerSecond: 5 }\n` });
    const results = await Promise.allSettled(
      Array.from({ length: 15 }, () => adapter.send(message('+15551230001'))),
    );
    const rejected = results.filter((r) => r.status === 'rejected');
    assert.ok(rejected.length >= 9, `only ${rejected.length} throttled`);
    for (const r of rejected) heraldCode('HERALD_ERR_CHANNEL_THROTTLED', true)(r.reason);
    assert.equal(smsc.stats().throttled, rejected.length);
  });

  test('never has more than windowSize submits outstanding', async (t) => {
    const { adapter, smsc } = await rig(t, {
      profile: `${ACCOUNT}  submitLatencyMs: { min: 10, max: 30 }\n`,
      adapter: { windowSize: 4 },
    });
    let maxOutstanding = 0;
    const sends = Array.from({ length: 24 }, () =>
      adapter
        .send(message('+15551230002'))
        .finally(() => (maxOutstanding = Math.max(maxOutstanding, adapter.outstanding))),
    );
    await Promise.all(sends);
    assert.equal(smsc.stats().maxInFlight, 4);
    assert.ok(maxOutstanding <= 4);
    assert.equal(smsc.stats().accepted, 24);
  });

  test('an AbortSignal cancels a send waiting for a window slot', async (t) => {
    const { adapter, smsc } = await rig(t, {
      profile: `${ACCOUNT}  submitLatencyMs: 200\n`,
      adapter: { windowSize: 1 },
    });
    const first = adapter.send(message('+15551230003'));
    const controller = new AbortController();
    const waiting = message('+15551230003');
    const second = adapter.send(waiting, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(second, heraldCode('HERALD_ERR_CHANNEL_ABORTED', true));
    await first;
    assert.equal(smsc.submitsFor(waiting.messageId), 0);
  });

  test('an AbortSignal cancels a send in flight, and its slot is held until the response', async (t) => {
    const { adapter, smsc } = await rig(t, {
      profile: `${ACCOUNT}  submitLatencyMs: 300\n`,
      adapter: { windowSize: 1 },
    });
    const controller = new AbortController();
    const inFlight = message('+15551230004');
    const started = Date.now();
    const send = adapter.send(inFlight, { signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    await assert.rejects(send, heraldCode('HERALD_ERR_CHANNEL_ABORTED', true));
    assert.ok(Date.now() - started < 250, 'the abort did not wait for the response');
    assert.equal(adapter.outstanding, 1);
    await waitFor('the late response', () => adapter.outstanding === 0);
    assert.equal(smsc.submitsFor(inFlight.messageId), 1);
  });

  test('a submit without a response in time fails with a retryable timeout', async (t) => {
    const { adapter } = await rig(t, {
      profile: `${ACCOUNT}  submitLatencyMs: 400\n`,
      adapter: { submitTimeoutMs: 50 },
    });
    await assert.rejects(
      adapter.send(message('+15551230005')),
      heraldCode('HERALD_ERR_CHANNEL_TIMEOUT', true),
    );
  });

  test('reconnects after the SMSC drops the connection; in-flight sends fail retryably', async (t) => {
    const { adapter, smsc } = await rig(t, { profile: `${ACCOUNT}  submitLatencyMs: 300\n` });
    const inFlight = adapter.send(message('+15551230006'));
    await waitFor('the submit to arrive', () => smsc.stats().inFlight === 1);
    smsc.dropConnections();
    await assert.rejects(inFlight, heraldCode('HERALD_ERR_CHANNEL_UNAVAILABLE', true));
    await assert.rejects(
      adapter.send(message('+15551230006')),
      heraldCode('HERALD_ERR_CHANNEL_UNAVAILABLE', true),
    );
    await waitFor('rebind', () => adapter.isReady());
    await adapter.send(message('+15551230006'));
    assert.equal(smsc.stats().binds, 2);
  });

  test('reconnects to a restarted SMSC on the same port and receipts flow again', async (t) => {
    const profile = parseProfile(`${ACCOUNT}  receiptDelayMs: 1\n`);
    let smsc = await startSmsc({ port: 0, profile });
    const port = smsc.port;
    const receipts: Receipt[] = [];
    const adapter = new SmppAdapter({
      host: '127.0.0.1',
      port,
      systemId: 'herald',
      password: 'sandbox',
      sourceAddr: 'Herald',
      reconnect: { initialMs: 20, maxMs: 100 },
      onReceipt: async (r) => void receipts.push(r),
    });
    t.after(async () => {
      await adapter.close();
      await smsc.close();
    });
    await adapter.start();
    await smsc.close();
    await waitFor('the adapter to notice', () => !adapter.isReady());
    smsc = await startSmsc({ port, profile });
    await waitFor('rebind', () => adapter.isReady());
    const sent = await adapter.send(message('+15551230007'));
    await waitFor('receipt', () => receipts.some((r) => r.providerMessageId === sent.providerMessageId));
  });

  test('a receipt that falls due while the link is down is delivered after the rebind', async (t) => {
    const { adapter, smsc, receipts } = await rig(t, {
      profile: `${ACCOUNT}  receiptDelayMs: 30\n`,
      adapter: { reconnect: { initialMs: 200, jitter: 0 } },
    });
    const sent = await adapter.send(message('+15551230010'));
    smsc.dropConnections();
    await waitFor('the receipt to be parked', () => smsc.stats().receiptsPending === 1 && !adapter.isReady());
    await waitFor('receipt', () => receipts.length === 1);
    assert.equal(receipts[0]?.providerMessageId, sent.providerMessageId);
    assert.equal(smsc.stats().receiptsSent, 1);
  });

  test('a receipt the sink rejects is answered ESME_RX_T_APPN and redelivered', async (t) => {
    const calls: Receipt[] = [];
    const { adapter, smsc } = await rig(t, {
      profile: `${ACCOUNT}  receiptDelayMs: 1\n  receiptRetryMs: 20\n`,
      sink: async (r) => {
        calls.push(r);
        if (calls.length === 1) throw new Error('database busy');
      },
    });
    const sent = await adapter.send(message('+15551230008'));
    await waitFor('redelivery', () => smsc.stats().receiptsAcked === 1);
    assert.deepEqual(
      calls.map((r) => r.providerMessageId),
      [sent.providerMessageId, sent.providerMessageId],
    );
    assert.equal(smsc.stats().receiptsRetried, 1);
    assert.equal(smsc.stats().receiptsSent, 2);
  });

  test('the SMSC counts a message id submitted twice as a duplicate', async (t) => {
    const { adapter, smsc } = await rig(t);
    const again = message('+15550000001');
    await adapter.send(again);
    await adapter.send(again);
    await adapter.send(message('+15550000001'));
    assert.equal(smsc.submitsFor(again.messageId), 2);
    assert.equal(smsc.stats().duplicates, 1);
    assert.equal(smsc.stats().submitted, 3);
  });

  test('close() waits for outstanding submits, unbinds and leaves no session open', async (t) => {
    const { adapter, smsc } = await rig(t, { profile: `${ACCOUNT}  submitLatencyMs: 50\n` });
    const pending = adapter.send(message('+15551230009'));
    await waitFor('the submit to arrive', () => smsc.stats().inFlight === 1);
    await adapter.close();
    await pending;
    assert.equal(adapter.isReady(), false);
    await waitFor('the session to close', () => smsc.stats().sessions === 0);
    await assert.rejects(
      adapter.send(message('+15551230009')),
      heraldCode('HERALD_ERR_CHANNEL_UNAVAILABLE', true),
    );
  });

  test('start() rejects when the SMSC refuses the credentials', async (t) => {
    const smsc = await startSmsc({ port: 0, profile: parseProfile(ACCOUNT) });
    t.after(() => smsc.close());
    const adapter = new SmppAdapter({
      host: '127.0.0.1',
      port: smsc.port,
      systemId: 'herald',
      password: 'wrong',
      sourceAddr: 'Herald',
      onReceipt: async () => {},
    });
    await assert.rejects(adapter.start(), heraldCode('HERALD_ERR_CHANNEL_BIND_FAILED', false));
    await adapter.close();
    assert.equal(adapter.isReady(), false);
  });
});
