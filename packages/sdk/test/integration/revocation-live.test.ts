// Revocation with members online, against a real Herald: after an admin revokes a device, the
// members on the live stream remove it from every group by themselves (nobody here syncs or
// commits by hand), within a bounded time; the device is refused and reads nothing sent after.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { testDatabases } from '../../../herald/test/support/databases.ts';
import {
  createDevice,
  isHeraldApiError,
  MemoryStore,
  type DeviceClient,
  type ReceivedMessage,
} from '../../src/index.ts';
import { headerWebSocket, nodeMlsEngine, type HeaderWebSocketClass } from '../../src/node.ts';
import { startSecureGateway, type SecureGateway } from '../support/secure-gateway.ts';

const GROUPS = 5;
/** Far above what it takes (well under a second on a quiet machine): a bound, not a benchmark. */
const BOUND_MS = 30_000;
const AFTER = 'canary-5d3e-sent-after-the-revocation';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const { name, db } of testDatabases()) {
  describe(
    `revocation with members online (${name})`,
    { timeout: 180_000, skip: db ? false : 'HERALD_TEST_PG_URL is not set' },
    () => {
      let gw: SecureGateway;
      let dispose: () => Promise<void>;
      let admin: string;
      const devices: DeviceClient[] = [];

      before(async () => {
        const opened = await db!.open();
        dispose = opened.dispose;
        gw = await startSecureGateway(opened.store);
        admin = await gw.apiKey('acme', 'admin');
      });
      after(async () => {
        for (const d of devices) await d.close();
        await gw.close();
        await dispose();
      });

      async function enroll(userId: string, deviceName: string, store = new MemoryStore()) {
        const token = await gw.enrollmentToken(admin, userId);
        const d = await createDevice({
          baseUrl: gw.url,
          store,
          directoryVerifierKey: gw.verifierKey,
          mlsEngine: nodeMlsEngine,
          webSocket: headerWebSocket(WebSocket as unknown as HeaderWebSocketClass),
          // Polling would also get there; a minute keeps it out, so the stream does the work.
          pollIntervalMs: 60_000,
        });
        await d.enroll({ enrollmentToken: token, name: deviceName });
        devices.push(d);
        return d;
      }

      /** The groups where the server's roster still holds `deviceId`. */
      async function serverGroupsOf(deviceId: string): Promise<string[]> {
        const rows = await gw.store.conn.db
          .selectFrom('secure_members')
          .select('group_id')
          .where('device_id', '=', deviceId)
          .execute();
        return rows.map((r) => r.group_id);
      }

      it('removes the revoked device from every group by itself, refuses it, and keeps it from reading on', async () => {
        const phone = await enroll('alice', 'phone');
        const laptopStore = new MemoryStore();
        const laptop = await enroll('alice', 'laptop', laptopStore);
        const bob = await enroll('bob', 'phone');
        const failures: string[] = [];
        for (const d of [phone, bob]) d.onFailure((f) => failures.push(`${f.kind}: ${f.error.message}`));
        const groupIds: string[] = [];
        for (let i = 0; i < GROUPS; i++) groupIds.push(await phone.createGroup(['bob', 'alice']));
        await laptop.sync();
        await bob.sync();
        const laptopId = laptop.identity!.deviceId;
        assert.equal((await serverGroupsOf(laptopId)).length, GROUPS);
        const received: ReceivedMessage[] = [];
        phone.onMessage((m) => received.push(m));
        for (const d of [phone, laptop, bob]) d.startLive();
        for (let t = Date.now() + 10_000; ![phone, laptop, bob].every((d) => d.streaming); await sleep(20))
          assert.ok(Date.now() < t, 'the devices are on the stream');

        const start = Date.now();
        const revoked = await fetch(`${gw.url}/v1/devices/${laptopId}/revoke`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}` },
        });
        assert.equal(revoked.status, 200);
        // From here on nobody calls sync or commitPending: the stream wakes the members.
        const stillIn = async () => {
          const left: string[] = [];
          for (const d of [phone, bob])
            for (const g of groupIds)
              if ((await d.members(g)).some((m) => m.deviceId === laptopId)) left.push(g);
          return left.length + (await serverGroupsOf(laptopId)).length;
        };
        while ((await stillIn()) > 0) {
          assert.ok(Date.now() - start < BOUND_MS, `the laptop is still in a group after ${BOUND_MS} ms`);
          await sleep(20);
        }
        for (const g of groupIds)
          assert.equal(await phone.safetyNumber(g), await bob.safetyNumber(g), 'the members agree');

        // Refused at the API: no fetch, no send.
        await assert.rejects(
          laptop.sync(),
          (e: unknown) => isHeraldApiError(e, 'HERALD_ERR_DEVICE_INACTIVE') && e.status === 403,
        );
        await assert.rejects(laptop.send(groupIds[0]!, 'x'), (e: unknown) =>
          isHeraldApiError(e, 'HERALD_ERR_DEVICE_INACTIVE'),
        );

        // Bob writes in every group; the phone reads it over its stream, and the laptop, handed
        // the ciphertext, cannot open it with the state it kept of any group.
        const ciphertexts: Uint8Array[] = [];
        for (const g of groupIds) {
          await bob.send(g, AFTER);
          ciphertexts.push(await bob.encrypt(g, AFTER));
        }
        for (let t = Date.now() + 10_000; received.length < GROUPS; await sleep(20))
          assert.ok(Date.now() < t, 'the phone received every message');
        assert.deepEqual(
          received.map((m) => m.text),
          groupIds.map(() => AFTER),
        );
        const engine = nodeMlsEngine({ validate: async () => ({ ok: false, reason: 'unknown_device' }) });
        const states = (await laptopStore.keys('group/')).filter((k) => k.endsWith('/state'));
        assert.equal(states.length, GROUPS);
        for (const key of states) {
          const state = engine.importGroupState((await laptopStore.get(key))!);
          const i = groupIds.findIndex((g) => Buffer.from(g, 'base64').equals(Buffer.from(state.groupId)));
          assert.ok(i >= 0);
          await assert.rejects(
            engine.processMessage(state, ciphertexts[i]!),
            (e: unknown) => (e as { code?: string }).code?.startsWith('HERALD_ERR_E2EE_') === true,
          );
        }
        assert.deepEqual(failures, []);
      });
    },
  );
}
