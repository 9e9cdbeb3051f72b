import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { testDatabases } from '../../../herald/test/support/databases.ts';
import {
  createDevice,
  createHerald,
  isHeraldApiError,
  MemoryStore,
  type DeviceClient,
  type ReceivedMessage,
} from '../../src/index.ts';
import { headerWebSocket, nodeMlsEngine, type HeaderWebSocketClass } from '../../src/node.ts';
import { startSecureGateway, type SecureGateway } from '../support/secure-gateway.ts';
import { dumpTables } from '../support/dump-tables.ts';
import { receive } from '../support/receive.ts';

// Distinct strings that must never appear in the server's database or logs: every plaintext
// this test sends end to end.
const CANARIES = {
  bob: 'canary-7f1e-bob-to-alice',
  alice: 'canary-2c9a-alice-to-bob',
  billing: 'canary-b4d0-invoice-overdue',
  afterRevoke: 'canary-91aa-after-revocation',
} as const;

const texts = (ms: readonly ReceivedMessage[]) => ms.map((m) => `${m.sender.userId}:${m.text}`);

for (const { name, db } of testDatabases()) {
  describe(
    `SDK end to end against a real Herald (${name})`,
    { timeout: 180_000, skip: db ? false : 'HERALD_TEST_PG_URL is not set' },
    () => {
      let gw: SecureGateway;
      let dbUrl: string;
      let dispose: () => Promise<void>;
      let admin: string;

      before(async () => {
        const opened = await db!.open();
        dispose = opened.dispose;
        dbUrl = opened.url;
        gw = await startSecureGateway(opened.store);
        admin = await gw.apiKey('acme', 'admin');
      });
      const devices: DeviceClient[] = [];
      after(async () => {
        for (const d of devices) await d.close();
        await gw.close();
        await dispose();
      });

      async function enroll(
        userId: string,
        deviceName: string,
        live = false,
        store = new MemoryStore(),
      ): Promise<DeviceClient> {
        const token = await gw.enrollmentToken(admin, userId);
        const d = await createDevice({
          baseUrl: gw.url,
          store,
          directoryVerifierKey: gw.verifierKey,
          mlsEngine: nodeMlsEngine,
          ...(live ? { webSocket: headerWebSocket(WebSocket as unknown as HeaderWebSocketClass) } : {}),
          pollIntervalMs: 200,
        });
        await d.enroll({ enrollmentToken: token, name: deviceName });
        devices.push(d);
        return d;
      }

      it('carries messages between devices and from a service, revokes a device, and stores no plaintext', async () => {
        const phone = await enroll('alice', 'phone', true);
        const laptopStore = new MemoryStore();
        const laptop = await enroll('alice', 'laptop', false, laptopStore);
        const bob = await enroll('bob', 'phone');
        const billing = await enroll('svc-billing', 'server');
        const failures: string[] = [];
        for (const d of [phone, laptop, bob, billing])
          d.onFailure((f) => failures.push(`${f.kind}: ${f.error.message}`));

        // Alice's phone makes a group with bob and her own laptop.
        const groupId = await phone.createGroup(['bob', 'alice']);
        assert.equal((await phone.members(groupId)).length, 3);

        // Live updates on the phone: the stream signals, the client fetches.
        const live: ReceivedMessage[] = [];
        phone.onMessage((m) => live.push(m));
        phone.startLive();

        assert.deepEqual(await receive(laptop, 0, 0), []); // joins from the Welcome
        assert.deepEqual(await receive(bob, 0, 0), []);
        await bob.send(groupId, CANARIES.bob);
        assert.deepEqual(texts(await receive(laptop, 1)), [`bob:${CANARIES.bob}`]);
        const deadline = Date.now() + 10_000;
        while (live.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual(texts(live), [`bob:${CANARIES.bob}`], 'the phone got it over its stream');
        assert.ok(phone.streaming, 'the phone is on the stream, not polling');

        await phone.close();
        await phone.send(groupId, CANARIES.alice);
        assert.deepEqual(texts(await receive(bob, 1)), [`alice:${CANARIES.alice}`]);
        assert.deepEqual(texts(await receive(laptop, 1)), [`alice:${CANARIES.alice}`]);
        const numbers = await Promise.all([phone, laptop, bob].map((d) => d.safetyNumber(groupId)));
        assert.equal(new Set(numbers).size, 1, 'every member device shows the same safety number');

        // The billing service sends a restricted message to alice: encrypted in this process.
        const sentBodies: string[] = [];
        const apiKey = await gw.apiKey('acme', 'sender');
        const herald = createHerald({
          baseUrl: gw.url,
          apiKey,
          secure: { device: billing },
          fetch: (url, init) => {
            if (typeof init.body === 'string') sentBodies.push(init.body);
            return fetch(url, init);
          },
        });
        const sent = await herald.messages.send({
          to: { userId: 'alice' },
          content: { text: CANARIES.billing },
          classification: 'restricted',
        });
        assert.equal(sent.decision.route[0]?.channel, 'secure');
        assert.ok(
          sentBodies.every((b) => !b.includes(CANARIES.billing)),
          'the API request carried no plaintext',
        );
        assert.ok(sentBodies.some((b) => b.includes('"mls"')));
        assert.deepEqual(texts(await receive(phone, 1)), [`svc-billing:${CANARIES.billing}`]);
        assert.deepEqual(texts(await receive(laptop, 1)), [`svc-billing:${CANARIES.billing}`]);
        const delivered = Date.now() + 10_000;
        let status = (await herald.messages.get(sent.id)).status;
        while (status !== 'delivered' && Date.now() < delivered) {
          await new Promise((r) => setTimeout(r, 50));
          status = (await herald.messages.get(sent.id)).status;
        }
        assert.equal(status, 'delivered', 'delivered once a device of alice acknowledged it');

        // An admin revokes alice's laptop; the next member to sync commits the server's Remove.
        const revoked = await fetch(`${gw.url}/v1/devices/${laptop.identity!.deviceId}/revoke`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}` },
        });
        assert.equal(revoked.status, 200);
        await bob.sync();
        const members = await bob.members(groupId);
        assert.ok(!members.some((m) => m.deviceId === laptop.identity!.deviceId), 'bob committed the Remove');
        await phone.sync();
        assert.equal(await phone.safetyNumber(groupId), await bob.safetyNumber(groupId));

        await assert.rejects(
          laptop.sync(),
          (e: unknown) => isHeraldApiError(e, 'HERALD_ERR_DEVICE_INACTIVE') && e.status === 403,
        );
        await assert.rejects(laptop.send(groupId, 'x'), (e: unknown) =>
          isHeraldApiError(e, 'HERALD_ERR_DEVICE_INACTIVE'),
        );

        // A message after the revocation reaches the phone; the laptop cannot read it even given
        // the ciphertext: its state is an epoch behind and its leaf is gone.
        const ciphertext = await bob.encrypt(groupId, CANARIES.afterRevoke);
        const posted = await fetch(`${gw.url}/v1/groups/${encodeURIComponent(groupId)}/messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${bob.deviceToken!}`, 'content-type': 'application/json' },
          body: JSON.stringify({ message: Buffer.from(ciphertext).toString('base64') }),
        });
        assert.equal(posted.status, 202);
        assert.deepEqual(texts(await receive(phone, 1)), [`bob:${CANARIES.afterRevoke}`]);
        const engine = nodeMlsEngine({ validate: async () => ({ ok: false, reason: 'unknown_device' }) });
        const stateKey = (await laptopStore.keys('group/')).find((k) => k.endsWith('/state'))!;
        const laptopState = engine.importGroupState((await laptopStore.get(stateKey))!);
        await assert.rejects(
          engine.processMessage(laptopState, ciphertext),
          (e: unknown) => (e as { code?: string }).code?.startsWith('HERALD_ERR_E2EE_') === true,
        );

        assert.deepEqual(failures, []);

        // Nothing the devices sent is readable on the server: not in any table, not in its logs,
        // not in the database files.
        const dump = await dumpTables(gw.store);
        const logs = gw.logs();
        // The searches see real data: ids the server stores and logs are found where expected.
        assert.ok(
          dump.includes(laptop.identity!.deviceId) && dump.includes(sent.id),
          'the dump holds the rows',
        );
        assert.ok(logs.includes('Server listening'), 'the logs were captured (at level trace)');
        for (const canary of Object.values(CANARIES)) {
          assert.ok(!dump.includes(canary), `${canary} is in the database`);
          assert.ok(!logs.includes(canary), `${canary} is in the logs`);
        }
        if (name === 'sqlite') {
          const dir = dirname(dbUrl);
          let seen = 0;
          for (const f of await readdir(dir)) {
            const raw = (await readFile(`${dir}/${f}`)).toString('latin1');
            seen += raw.includes(laptop.identity!.deviceId) ? 1 : 0;
            for (const canary of Object.values(CANARIES))
              assert.ok(!raw.includes(canary), `${canary} is in ${f}`);
          }
          assert.ok(seen > 0, 'the database files were read');
        }
      });
    },
  );
}
