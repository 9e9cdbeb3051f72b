// Welcome routing by KeyPackageRef on SQLite and PostgreSQL: the Delivery Service reads the
// Welcome's `secrets[].new_member` refs (RFC 9420 §12.4.3.1), asks the `keys` part which device
// each claimed KeyPackage belongs to, and queues the Welcome to exactly those devices. A ref
// nobody claimed in the tenant, or a roster that disagrees with the refs, is refused with
// nothing written.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MlsKeyPackageBundle } from '../../src/e2ee/mls/mls-engine.ts';
import type { TenantId } from '../../src/ids.ts';
import { createKeys, type Keys } from '../../src/keys/keys.ts';
import type { Store } from '../../src/storage/store.ts';
import { generateNoteKey, parseSignerKey } from '../../src/tlog/index.ts';
import { testDatabases } from '../support/databases.ts';
import { b64, secureRig, type SecureRig, type TestDevice } from '../support/secure-harness.ts';

const ORIGIN = 'herald.test/keys';

for (const { db, name } of testDatabases()) {
  void describe(
    `Welcome routing by KeyPackageRef (${name})`,
    { skip: db ? false : 'HERALD_TEST_PG_URL is not set' },
    () => {
      let store: Store;
      let dispose: () => Promise<void>;
      let keys: Keys;
      let rig: SecureRig;
      let n = 0;

      before(async () => {
        ({ store, dispose } = await db!.open());
        keys = createKeys(store, {
          origin: ORIGIN,
          signer: parseSignerKey(generateNoteKey(ORIGIN).signerKey),
        });
        rig = await secureRig(store, {
          welcomeRecipients: (tenantId, refs) => keys.keyPackages.devicesForKeyPackageRefs(tenantId, refs),
        });
      });
      after(async () => {
        await rig.close();
        await dispose();
      });

      const principal = (d: TestDevice) => ({ tenantId: d.tenantId, userId: d.userId, deviceId: d.deviceId });

      /** A rig device with a key directory entry, so the `keys` part hands out its KeyPackages. */
      async function device(user: string, tenant?: TenantId): Promise<TestDevice> {
        const d = await rig.device(user, `${user}-${++n}`, tenant);
        await store.tx.run((trx) =>
          keys.directory.append(trx, {
            action: 'publish',
            tenantId: d.tenantId,
            userId: d.userId,
            deviceId: d.deviceId,
            key: d.signer.publicKey,
            at: Date.now(),
          }),
        );
        return d;
      }

      /** `target` uploads a KeyPackage (kept for its join); `claimer`, if any, claims it. */
      async function upload(target: TestDevice, claimer?: TestDevice): Promise<MlsKeyPackageBundle> {
        const bundle = await target.keyPackage();
        await keys.keyPackages.upload(principal(target), { keyPackages: [bundle.keyPackage] });
        if (claimer) {
          const claimed = await keys.keyPackages.claim(principal(claimer), [target.userId]);
          assert.deepEqual(
            claimed.devices.map((c) => b64(c.keyPackage)),
            [b64(bundle.keyPackage)],
          );
        }
        return bundle;
      }

      /** Alice commits adding these KeyPackages, posting `roster.added` as given. */
      async function add(alice: TestDevice, groupId: string, kps: MlsKeyPackageBundle[], added: object[]) {
        const out = await alice.engine.addMembers(
          alice.state!,
          kps.map((k) => k.keyPackage),
        );
        alice.pending = out.pending;
        return alice.request('POST', `/v1/groups/${encodeURIComponent(groupId)}/handshake`, {
          message: b64(out.commit),
          welcome: b64(out.welcome!),
          roster: { added },
        });
      }

      async function nothingWritten(groupId: string, devices: TestDevice[]) {
        const group = await store.conn.db
          .selectFrom('secure_groups')
          .select('epoch')
          .where('group_id', '=', groupId)
          .executeTakeFirstOrThrow();
        assert.equal(Number(group.epoch), 0, 'the group stays at its epoch');
        for (const d of devices) assert.deepEqual(await d.inbox(), [], `${d.deviceId} got nothing`);
      }

      it('queues the Welcome to exactly the devices whose claimed KeyPackages it names', async () => {
        const k = ++n;
        const alice = await device(`alice${k}`);
        const bob = await device(`bob${k}`);
        const bystander = await device(`bob${k}`);
        const groupId = await alice.createGroup();
        const kp = await upload(bob, alice);
        // bob's second device has a KeyPackage of its own, never claimed: it gets nothing.
        await upload(bystander);
        const res = await add(
          alice,
          groupId,
          [kp],
          [{ userId: bob.userId, deviceId: bob.deviceId, leafIndex: 1 }],
        );
        assert.equal(res.statusCode, 200, res.body);
        const items = await bob.inbox();
        assert.deepEqual(
          items.map((i) => i.kind),
          ['welcome'],
        );
        bob.cursor = 0;
        await alice.sync();
        await bob.sync();
        assert.deepEqual(bob.members(), alice.members());
        assert.deepEqual(await bystander.inbox(), []);
        const text = await alice.encrypt('hello bob');
        assert.equal(
          (
            await alice.request('POST', `/v1/groups/${encodeURIComponent(groupId)}/messages`, {
              message: text,
            })
          ).statusCode,
          202,
        );
        assert.deepEqual(await bob.sync(), ['hello bob']);
      });

      it('refuses a Welcome for a KeyPackage that was uploaded but never claimed', async () => {
        const k = ++n;
        const alice = await device(`alice${k}`);
        const bob = await device(`bob${k}`);
        const groupId = await alice.createGroup();
        const kp = await upload(bob);
        const res = await add(
          alice,
          groupId,
          [kp],
          [{ userId: bob.userId, deviceId: bob.deviceId, leafIndex: 1 }],
        );
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().error.code, 'HERALD_ERR_SECURE_UNKNOWN_KEY_PACKAGE');
        await nothingWritten(groupId, [alice, bob]);
      });

      it('refuses a KeyPackage claimed in another tenant', async () => {
        const k = ++n;
        const other = await rig.tenant(`initech-${++n}`);
        const alice = await device(`alice${k}`);
        const mallory = await device(`mallory${k}`, other);
        const eve = await device(`eve${k}`, other);
        // Claimed in the other tenant, by a device of that tenant: not this tenant's to route to.
        const kp = await upload(eve, mallory);
        const groupId = await alice.createGroup();
        const res = await add(
          alice,
          groupId,
          [kp],
          [{ userId: eve.userId, deviceId: eve.deviceId, leafIndex: 1 }],
        );
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().error.code, 'HERALD_ERR_SECURE_UNKNOWN_KEY_PACKAGE');
        await nothingWritten(groupId, [alice, eve]);
      });

      it('refuses a roster that disagrees with the Welcome, writing nothing', async () => {
        const k = ++n;
        const alice = await device(`alice${k}`);
        const bob = await device(`bob${k}`);
        const carol = await device(`carol${k}`);
        const groupId = await alice.createGroup();
        const kp = await upload(bob, alice);
        const cases = [
          // Someone else than the Welcome names.
          [{ userId: carol.userId, deviceId: carol.deviceId, leafIndex: 1 }],
          // The named device and one more the Welcome does not reach.
          [
            { userId: bob.userId, deviceId: bob.deviceId, leafIndex: 1 },
            { userId: carol.userId, deviceId: carol.deviceId, leafIndex: 2 },
          ],
        ];
        for (const added of cases) {
          const res = await add(alice, groupId, [kp], added);
          assert.equal(res.statusCode, 400, res.body);
          assert.equal(res.json().error.code, 'HERALD_ERR_SECURE_INVALID_ROSTER');
        }
        await nothingWritten(groupId, [alice, bob, carol]);
      });
    },
  );
}
