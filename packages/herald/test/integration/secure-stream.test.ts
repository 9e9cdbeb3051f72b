// The inbox stream over a real WebSocket (the `ws` client against a listening server), on SQLite
// in one process and on PostgreSQL across two processes (LISTEN/NOTIFY).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { PushAdapter } from '../../src/channels/push/push-adapter.ts';
import { loadProfile } from '../../src/simulator/profile.ts';
import { startPush, type PushHandle } from '../../src/simulator/push/push-server.ts';
import { Store } from '../../src/storage/store.ts';
import { testDatabases } from '../support/databases.ts';
import { secureRig, type SecureRig, type TestDevice } from '../support/secure-harness.ts';
import { simulatorPushOptions } from '../../src/channel-setup.ts';

/** A connected stream and the `{seq}` frames it received. */
interface Stream {
  readonly ws: WebSocket;
  readonly seqs: number[];
  next(): Promise<number>;
  closed: Promise<{ code: number; reason: string }>;
}

async function listen(rig: SecureRig): Promise<string> {
  const address = await rig.app.listen({ host: '127.0.0.1', port: 0 });
  return address.replace(/^http/, 'ws');
}

function open(base: string, auth: { header?: string; protocols?: string[] }): Promise<Stream> {
  const ws = new WebSocket(
    `${base}/v1/devices/me/stream`,
    auth.protocols ?? [],
    auth.header ? { headers: { authorization: `Bearer ${auth.header}` } } : {},
  );
  const seqs: number[] = [];
  let read = 0;
  let wake: (() => void) | undefined;
  ws.on('message', (data) => {
    seqs.push((JSON.parse(String(data)) as { seq: number }).seq);
    wake?.();
  });
  /** The next frame not read yet (frames that came before the call count). */
  const next = async (): Promise<number> => {
    const deadline = Date.now() + 5000;
    while (read >= seqs.length) {
      if (Date.now() > deadline) throw new Error('no {seq} within 5 s');
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 100);
      });
    }
    return seqs[read++]!;
  };
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  return new Promise((resolve, reject) => {
    ws.on('open', () =>
      resolve({
        ws,
        seqs,
        closed,
        next,
      }),
    );
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      // The server must close a refused upgrade's connection itself.
      const socketClosed = new Promise<boolean>((r) => {
        res.socket.once('close', () => r(true));
        setTimeout(() => r(false), 2000).unref();
      });
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () =>
        reject(Object.assign(new Error(body), { status: res.statusCode, body, socketClosed })),
      );
    });
    ws.on('error', reject);
  });
}

async function refusedWith(p: Promise<Stream>, status: number, code: string): Promise<void> {
  let socketClosed: Promise<boolean> | undefined;
  await assert.rejects(p, (err: { status?: number; body?: string; socketClosed?: Promise<boolean> }) => {
    assert.equal(err.status, status);
    assert.equal((JSON.parse(err.body!) as { error: { code: string } }).error.code, code);
    socketClosed = err.socketClosed;
    return true;
  });
  assert.equal(await socketClosed, true, 'the server closed the refused connection');
}

const post = async (d: TestDevice, groupId: string, text: string, rig?: SecureRig) => {
  const res = await d.request(
    'POST',
    `/v1/groups/${encodeURIComponent(groupId)}/messages`,
    { message: await d.encrypt(text) },
    rig?.app,
  );
  assert.equal(res.statusCode, 202, res.body);
};

for (const { db, name } of testDatabases()) {
  void describe(`Inbox stream (${name})`, { skip: db ? false : 'HERALD_TEST_PG_URL is not set' }, () => {
    let store: Store;
    let url: string;
    let dispose: () => Promise<void>;
    let rig: SecureRig;
    let base: string;
    let push: PushHandle;
    let pushAdapter: PushAdapter;
    const sockets: WebSocket[] = [];
    let n = 0;

    before(async () => {
      ({ store, url, dispose } = await db!.open());
      push = await startPush({ profile: loadProfile() });
      pushAdapter = new PushAdapter({ apns: simulatorPushOptions(push).apns! });
      await pushAdapter.start();
      rig = await secureRig(store, {
        ...(name === 'postgres' ? { databaseUrl: url } : {}),
        push: pushAdapter,
        limits: { maxStreamsPerDevice: 2, streamLeaseMs: 600, pushIntervalMs: 0 },
      });
      base = await listen(rig);
    });
    after(async () => {
      for (const s of sockets) s.terminate();
      await rig.close();
      await pushAdapter.close();
      await push.close();
      await dispose();
    });

    async function pair() {
      n++;
      const [alice, bob] = await Promise.all([
        rig.device('alice', `alice-${n}`),
        rig.device('bob', `bob-${n}`),
      ]);
      const groupId = await alice.createGroup();
      assert.equal((await alice.add(groupId, [[bob, 1]])).statusCode, 200);
      await alice.sync();
      return { alice, bob, groupId };
    }

    const track = async (p: Promise<Stream>) => {
      const s = await p;
      sockets.push(s.ws);
      return s;
    };

    it('sends the current sequence number on open and each new one as the inbox grows', async () => {
      const { alice, bob, groupId } = await pair();
      const stream = await track(open(base, { header: bob.token }));
      assert.equal(await stream.next(), 1, 'the Welcome is waiting');
      await bob.sync();
      await post(alice, groupId, 'one');
      assert.equal(await stream.next(), 2);
      await post(alice, groupId, 'two');
      assert.equal(await stream.next(), 3);
      assert.deepEqual(await bob.sync(), ['one', 'two']);
      stream.ws.close();
    });

    it('takes the device token as a subprotocol, and picks herald.v1 so the token is not echoed', async () => {
      const { bob } = await pair();
      const picked = await track(open(base, { protocols: ['herald.v1', `herald.bearer.${bob.token}`] }));
      assert.equal(picked.ws.protocol, 'herald.v1');
      assert.equal(await picked.next(), 1);
      picked.ws.close();
      const only = await track(open(base, { protocols: [`herald.bearer.${bob.token}`] }));
      assert.equal(only.ws.protocol, `herald.bearer.${bob.token}`);
      only.ws.close();
    });

    it('refuses a missing or wrong token, API keys and inactive devices before the upgrade', async () => {
      const { alice } = await pair();
      await refusedWith(open(base, {}), 401, 'HERALD_ERR_AUTH_MISSING');
      await refusedWith(
        open(base, { protocols: ['herald.bearer.hdv_nope'] }),
        401,
        'HERALD_ERR_AUTH_INVALID',
      );
      const key = await rig.senderKey(alice.tenantId);
      await refusedWith(open(base, { header: key }), 403, 'HERALD_ERR_AUTH_FORBIDDEN');
      const suspended = await rig.device('dave', `dave-${n}`);
      await store.devices.setStatus(suspended.tenantId, suspended.deviceId, 'suspended');
      await refusedWith(open(base, { header: suspended.token }), 403, 'HERALD_ERR_DEVICE_INACTIVE');
    });

    it('bounds the streams per device', async () => {
      const { bob } = await pair();
      const a = await track(open(base, { header: bob.token }));
      const b = await track(open(base, { header: bob.token }));
      const c = await track(open(base, { header: bob.token }));
      assert.deepEqual(await c.closed, { code: 1008, reason: 'HERALD_ERR_SECURE_TOO_MANY_STREAMS' });
      a.ws.close();
      b.ws.close();
    });

    it('pushes no wake-up to a device with an open stream, and does once the stream is gone', async () => {
      const { alice, bob, groupId } = await pair();
      const token = `${'ef'.repeat(31)}${String(n).padStart(2, '0')}`;
      assert.equal(
        (await bob.request('PUT', '/v1/devices/me/push-token', { platform: 'apns', token })).statusCode,
        204,
      );
      const stream = await track(open(base, { header: bob.token }));
      await stream.next();
      const before = push.received().filter((p) => p.token === token).length;
      await post(alice, groupId, 'while connected');
      await stream.next();
      await rig.channel.settled();
      assert.equal(push.received().filter((p) => p.token === token).length, before);
      stream.ws.close();
      await stream.closed;
      // The lease is cleared when the last stream of the device closes.
      for (let i = 0; i < 50 && rig.channel.streams.isOpen(bob.deviceId); i++)
        await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50));
      await post(alice, groupId, 'after');
      await rig.channel.settled();
      assert.equal(push.received().filter((p) => p.token === token).length, before + 1);
    });

    it('ends the streams of a revoked device', async () => {
      const { bob } = await pair();
      const stream = await track(open(base, { header: bob.token }));
      await stream.next();
      await store.devices.setStatus(bob.tenantId, bob.deviceId, 'revoked');
      await rig.channel.revokeDevice(bob.tenantId, bob.deviceId);
      assert.deepEqual(await stream.closed, { code: 1008, reason: 'HERALD_ERR_DEVICE_INACTIVE' });
    });

    it('ends a stream at its next check once the device is suspended elsewhere', async () => {
      const { bob } = await pair();
      const stream = await track(open(base, { header: bob.token }));
      await stream.next();
      await store.devices.setStatus(bob.tenantId, bob.deviceId, 'suspended');
      assert.deepEqual(await stream.closed, { code: 1008, reason: 'HERALD_ERR_DEVICE_INACTIVE' });
    });

    if (name === 'postgres')
      it('hears of items another process queued, through LISTEN/NOTIFY', async () => {
        // The listening process re-reads inboxes only every 20 s (the default lease / 3), so a
        // prompt {seq} can only come from the notification.
        const listener = await secureRig(store, { databaseUrl: url, box: rig.box, world: rig.world });
        const other = await Store.open(url, { poolSize: 2 });
        const second = await secureRig(other, { databaseUrl: url, box: rig.box, world: rig.world });
        try {
          const { alice, bob, groupId } = await pair();
          const stream = await track(open(await listen(listener), { header: bob.token }));
          assert.equal(await stream.next(), 1);
          const started = Date.now();
          await post(alice, groupId, 'from elsewhere', second);
          assert.equal(await stream.next(), 2);
          assert.ok(Date.now() - started < 2000, `${Date.now() - started} ms`);
          stream.ws.close();
        } finally {
          await second.close();
          await other.close();
          await listener.close();
        }
      });
  });
}
