// The SMPP adapter against deliberately misbehaving SMSCs, built on the same `smpp` server.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import type { Receipt } from '../../src/channels/channel-adapter.ts';
import { SmppAdapter } from '../../src/channels/sms/smpp-adapter.ts';
import type { SmppAdapterOptions } from '../../src/channels/sms/smpp-adapter-options.ts';
import {
  createSmppServer,
  makePdu,
  type SmppPdu,
  type SmppSession,
} from '../../src/channels/sms/smpp-wire.ts';
import { isHeraldError } from '../../src/errors/index.ts';

interface Peer {
  port: number;
  sessions: SmppSession[];
  binds: number;
  connections: number;
  pdus: SmppPdu[];
}

/** An SMSC that binds anyone and then does what `behave` says with each session. */
async function peer(
  t: TestContext,
  behave: (session: SmppSession, pdu: SmppPdu, state: Peer) => void,
  opts: { answerBind?: boolean; port?: number } = {},
): Promise<Peer> {
  const state: Peer = { port: 0, sessions: [], binds: 0, connections: 0, pdus: [] };
  const server = createSmppServer((session) => {
    state.connections++;
    state.sessions.push(session);
    session.on('error', () => session.destroy());
    session.on('pdu', (pdu: SmppPdu) => {
      state.pdus.push(pdu);
      if (pdu.command === 'bind_transceiver') {
        if (opts.answerBind === false) return;
        state.binds++;
        session.send(pdu.response({ system_id: 'peer' }));
      }
      if (pdu.command === 'unbind') {
        session.send(pdu.response());
        session.close();
      }
      behave(session, pdu, state);
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of [...server.sessions]) s.destroy();
      }),
  );
  return state;
}

function adapter(t: TestContext, port: number, over: Partial<SmppAdapterOptions> = {}): SmppAdapter {
  const a = new SmppAdapter({
    host: '127.0.0.1',
    port,
    systemId: 'herald',
    password: 'x',
    sourceAddr: 'Herald',
    reconnect: { initialMs: 20, maxMs: 100 },
    onReceipt: async () => {},
    ...over,
  });
  t.after(() => a.close());
  return a;
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Sends a deliver_sm and resolves with the command_status of the adapter's deliver_sm_resp. */
function deliver(session: SmppSession, fields: Record<string, unknown>): Promise<number> {
  return new Promise((resolve) =>
    session.send(makePdu('deliver_sm', fields), (resp) => resolve(resp.command_status)),
  );
}

describe('SMPP adapter against misbehaving SMSCs', () => {
  test('malformed and non-receipt deliver_sm are acknowledged and never reach the sink', async (t) => {
    const smsc = await peer(t, () => {});
    const receipts: Receipt[] = [];
    const logged: string[] = [];
    const log = (meta: Record<string, unknown>, msg: string): void =>
      void logged.push(`${msg} ${JSON.stringify(meta)}`);
    const a = adapter(t, smsc.port, {
      onReceipt: async (r) => void receipts.push(r),
      logger: { debug: log, info: log, warn: log, error: log },
    });
    await a.start();
    const session = smsc.sessions[0]!;
    const secret = 'the body must not be logged';
    const statuses = await Promise.all([
      deliver(session, { esm_class: 0x04, short_message: 'garbage without fields' }),
      deliver(session, { esm_class: 0x04, short_message: `id:1 stat:NOPE text:${secret}` }),
      deliver(session, { esm_class: 0x04, receipted_message_id: 'x', message_state: 99 }),
      deliver(session, {
        esm_class: 0x04,
        short_message: Buffer.from([0xff, 0x00, 0x3a, 0x7f]),
        data_coding: 0x08,
      }),
      deliver(session, { esm_class: 0x00, short_message: secret }),
      deliver(session, { esm_class: 0x04, short_message: 'id:ok-1 stat:DELIVRD err:000 text:' }),
    ]);
    assert.deepEqual(statuses, [0, 0, 0, 0, 0, 0]);
    assert.deepEqual(
      receipts.map((r) => [r.providerMessageId, r.status]),
      [['ok-1', 'delivered']],
    );
    assert.ok(a.isReady());
    assert.ok(logged.some((l) => l.includes('no message id')));
    assert.ok(!logged.some((l) => l.includes(secret)), 'a message body was logged');
  });

  test('an SMSC that stops answering enquire_link is treated as a dead link', async (t) => {
    const smsc = await peer(t, () => {}); // answers bind only
    const a = adapter(t, smsc.port, { enquireLinkMs: 30, enquireLinkTimeoutMs: 30 });
    await a.start();
    await waitFor('a second bind', () => smsc.binds >= 2);
    assert.ok(smsc.pdus.some((p) => p.command === 'enquire_link'));
  });

  test('answers enquire_link, unknown requests and an SMSC-initiated unbind', async (t) => {
    const smsc = await peer(t, () => {});
    const a = adapter(t, smsc.port);
    await a.start();
    const session = smsc.sessions[0]!;
    const ask = (command: string): Promise<SmppPdu> =>
      new Promise((resolve) => session.send(makePdu(command), (resp) => resolve(resp)));
    assert.equal((await ask('enquire_link')).command_status, 0);
    const nack = await ask('query_sm');
    assert.equal(nack.command, 'generic_nack');
    assert.equal(nack.command_status, 0x03);
    assert.equal((await ask('unbind')).command, 'unbind_resp');
    await waitFor('a second bind', () => smsc.binds === 2);
    await waitFor('ready again', () => a.isReady());
  });

  test('start() gives up when its signal aborts before the bind is answered', async (t) => {
    const smsc = await peer(t, () => {}, { answerBind: false });
    const a = adapter(t, smsc.port, { bindTimeoutMs: 40 });
    await assert.rejects(a.start({ signal: AbortSignal.timeout(150) }), (err) => {
      assert.ok(isHeraldError(err));
      assert.equal(err.code, 'HERALD_ERR_CHANNEL_UNAVAILABLE');
      return true;
    });
    assert.ok(smsc.connections >= 2, 'the bind timeout should have forced a reconnect');
    await new Promise((r) => setTimeout(r, 30)); // a connect already under way may still land
    const connections = smsc.connections;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(smsc.connections, connections, 'a closed adapter must not reconnect');
  });

  test('keeps retrying while no SMSC listens, and binds once one does', async (t) => {
    const port = await freePort();
    const a = adapter(t, port);
    const started = a.start({ signal: AbortSignal.timeout(3000) });
    await new Promise((r) => setTimeout(r, 120)); // several refused connects, with backoff
    assert.equal(a.isReady(), false);
    const smsc = await peer(t, () => {}, { port });
    await started;
    assert.equal(smsc.binds, 1);
  });
});

function freePort(): Promise<number> {
  const server = createServer();
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    }),
  );
}
