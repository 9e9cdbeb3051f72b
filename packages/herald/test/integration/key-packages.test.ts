import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createNodeMlsEngine } from '../../src/e2ee/mls/node-mls-engine.ts';
import { KeyDirectoryCredentialValidator } from '../../src/e2ee/mls/key-directory-credential-validator.ts';
import { MAX_KEY_PACKAGES_HELD } from '../../src/keys/key-packages.ts';
import type { TenantId } from '../../src/ids.ts';
import { b64, call, openKeysHarness, type KeysHarness, type TestDevice } from '../support/keys-harness.ts';
import { testDatabases } from '../support/databases.ts';

interface Claimed {
  userId: string;
  deviceId: string;
  keyPackage: string;
  directory: { entry: string; leafIndex: number | null };
}

for (const { db, name } of testDatabases()) {
  describe(`KeyPackages (${name})`, { skip: db ? false : 'HERALD_TEST_PG_URL is not set' }, () => {
    let h: KeysHarness;
    let admin: string;
    let tenantId: TenantId;
    before(async () => {
      h = await openKeysHarness(db!);
      admin = await h.keyFor('acme', 'admin');
      tenantId = (await h.store.tenants.findTenantByName('acme'))!.id;
    });
    after(() => h.dispose());

    const upload = async (d: TestDevice, kps: Uint8Array[], lastResort?: Uint8Array) =>
      call(h.app, 'POST', '/v1/devices/me/key-packages', d.token, {
        keyPackages: kps.map(b64),
        ...(lastResort ? { lastResort: b64(lastResort) } : {}),
      });
    const make = async (d: TestDevice, n: number) =>
      Promise.all(Array.from({ length: n }, async () => (await d.keyPackage()).keyPackage));
    const claim = async (d: TestDevice, userIds: string[]) => {
      const r = await call(h.app, 'POST', '/v1/key-packages/claim', d.token, { userIds });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body as { devices: Claimed[]; unavailable: Array<{ userId: string; deviceId: string }> };
    };
    const stored = async (deviceId: string) =>
      Number(
        (
          await h.store.conn.db
            .selectFrom('key_packages')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('device_id', '=', deviceId)
            .executeTakeFirstOrThrow()
        ).n,
      );

    it('stores validated KeyPackages and a last-resort one; a re-upload stores nothing twice', async () => {
      const d = await h.enroll(admin, 'alice');
      const kps = await make(d, 3);
      const last = (await d.keyPackage({ lastResort: true })).keyPackage;
      const r = await upload(d, kps, last);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body, { stored: 4, available: 3 });
      assert.deepEqual((await upload(d, kps, last)).body, { stored: 0, available: 3 });
    });

    it('refuses a batch with one bad KeyPackage and stores none of it', async () => {
      const d = await h.enroll(admin, 'bob');
      const other = await h.enroll(admin, 'bob', 'laptop');
      const good = await make(d, 2);
      // The same identity signed with a key that is not the directory's.
      const impostor = await h.engine.generateSignatureKeyPair();
      const forged = await h.engine.generateKeyPackage({ userId: 'bob', deviceId: d.id }, impostor);
      const stale = createNodeMlsEngine({
        credentialValidator: { validate: () => Promise.resolve({ ok: false, reason: 'unknown_device' }) },
        now: () => new Date(Date.now() - 10 * 86_400_000),
        keyPackageLifetimeSeconds: 86_400,
      });
      const expired = await stale.generateKeyPackage({ userId: 'bob', deviceId: d.id }, d.signer);
      const cases: Array<[Uint8Array, string]> = [
        [(await other.keyPackage()).keyPackage, 'HERALD_ERR_KEYS_KEY_PACKAGE_NOT_OWN'],
        [forged.keyPackage, 'HERALD_ERR_KEYS_KEY_PACKAGE_NOT_OWN'],
        [expired.keyPackage, 'HERALD_ERR_E2EE_KEY_PACKAGE_LIFETIME'],
        [good[0]!.slice(0, 100), 'HERALD_ERR_E2EE_MALFORMED_MESSAGE'],
      ];
      for (const [bad, code] of cases) {
        const r = await upload(d, [...good, bad]);
        assert.equal(r.status, 400, code);
        assert.equal(r.body.error.code, code);
        const asLast = await upload(d, good, bad);
        assert.equal(asLast.body.error.code, code);
      }
      for (const body of [
        { keyPackages: Array<string>(101).fill(b64(good[0]!)) },
        { keyPackages: ['not base64'] },
        { keyPackages: [b64(good[0]!)], extra: 1 },
      ]) {
        const r = await call(h.app, 'POST', '/v1/devices/me/key-packages', d.token, body);
        assert.equal(r.body.error.code, 'HERALD_ERR_API_VALIDATION');
      }
      assert.equal(await stored(d.id), 0);
      const asAdmin = await call(h.app, 'POST', '/v1/devices/me/key-packages', admin, { keyPackages: [] });
      assert.equal(asAdmin.body.error.code, 'HERALD_ERR_AUTH_FORBIDDEN');
    });

    it(`holds at most ${MAX_KEY_PACKAGES_HELD} unclaimed KeyPackages per device`, async () => {
      const d = await h.enroll(admin, 'carol');
      for (let i = 0; i < MAX_KEY_PACKAGES_HELD / 100; i++)
        assert.equal((await upload(d, await make(d, 100))).body.available, (i + 1) * 100);
      const r = await upload(d, await make(d, 1));
      assert.equal(r.status, 409);
      assert.equal(r.body.error.code, 'HERALD_ERR_KEYS_TOO_MANY_KEY_PACKAGES');
      assert.equal(await stored(d.id), MAX_KEY_PACKAGES_HELD);
    });

    it('claims one KeyPackage per active device, each once, then the last-resort one', async () => {
      const sender = await h.enroll(admin, 'dave');
      const phone = await h.enroll(admin, 'erin', 'phone');
      const laptop = await h.enroll(admin, 'erin', 'laptop');
      const phoneKps = await make(phone, 2);
      const phoneLast = (await phone.keyPackage({ lastResort: true })).keyPackage;
      await upload(phone, phoneKps, phoneLast);
      const laptopKps = await make(laptop, 1);
      await upload(laptop, laptopKps);

      const first = await claim(sender, ['erin']);
      const byId = new Map(first.devices.map((c) => [c.deviceId, c]));
      assert.deepEqual([...byId.keys()].sort(), [phone.id, laptop.id].sort());
      assert.equal(byId.get(laptop.id)!.keyPackage, b64(laptopKps[0]!));
      assert.deepEqual(byId.get(phone.id)!.directory, { entry: phone.entry, leafIndex: null });

      const second = await claim(sender, ['erin']);
      assert.deepEqual(
        second.devices.map((c) => c.deviceId),
        [phone.id],
      );
      assert.deepEqual(
        [byId.get(phone.id)!.keyPackage, second.devices[0]!.keyPackage].sort(),
        phoneKps.map(b64).sort(),
        'each ordinary KeyPackage once',
      );
      assert.deepEqual(second.unavailable, [{ userId: 'erin', deviceId: laptop.id }]);
      // Only the last-resort KeyPackage is left: handed out again and again.
      for (let i = 0; i < 2; i++)
        assert.deepEqual(
          (await claim(sender, ['erin'])).devices.map((c) => c.keyPackage),
          [b64(phoneLast)],
        );

      // Welcomes name KeyPackages by ref: the ref of a claimed one leads back to the device.
      const ref = (await phone.keyPackage()).ref;
      assert.equal(await h.keys.keyPackages.deviceForKeyPackageRef(tenantId, ref), undefined);
      const bundle = await phone.keyPackage();
      await upload(phone, [bundle.keyPackage]);
      assert.equal(
        await h.keys.keyPackages.deviceForKeyPackageRef(tenantId, bundle.ref),
        undefined,
        'uploaded, not yet claimed: no Welcome can name it',
      );
      assert.deepEqual(
        (await claim(sender, ['erin'])).devices.map((c) => c.keyPackage),
        [b64(bundle.keyPackage)],
      );
      assert.deepEqual(await h.keys.keyPackages.deviceForKeyPackageRef(tenantId, bundle.ref), {
        userId: 'erin',
        deviceId: phone.id,
      });
      const other = (await h.store.tenants.createTenant('initech')).id;
      assert.equal(await h.keys.keyPackages.deviceForKeyPackageRef(other, bundle.ref), undefined);

      // A device never claims itself; the directory index appears once the log is sequenced.
      await h.keys.directory.log.sequenceAll();
      const own = await claim(phone, ['erin']);
      assert.deepEqual(
        own.devices.map((c) => c.deviceId),
        [],
      );
      assert.deepEqual(own.unavailable, [{ userId: 'erin', deviceId: laptop.id }]);
      const fresh = await claim(sender, ['erin']);
      assert.equal(typeof fresh.devices[0]!.directory.leafIndex, 'number');
    });

    it('never hands out KeyPackages of suspended, revoked or foreign devices', async () => {
      const sender = await h.enroll(admin, 'frank');
      const d = await h.enroll(admin, 'gina');
      await upload(d, await make(d, 3));
      await call(h.app, 'POST', `/v1/devices/${d.id}/suspend`, admin);
      assert.deepEqual(await claim(sender, ['gina']), { devices: [], unavailable: [] });
      await call(h.app, 'POST', `/v1/devices/${d.id}/resume`, admin);
      assert.equal((await claim(sender, ['gina'])).devices.length, 1);
      const globex = await h.keyFor('globex', 'admin');
      const foreign = await h.enroll(globex, 'ivan');
      assert.deepEqual(await claim(foreign, ['gina']), { devices: [], unavailable: [] });
      await call(h.app, 'POST', `/v1/devices/${d.id}/revoke`, admin);
      assert.deepEqual(await claim(sender, ['gina']), { devices: [], unavailable: [] });
      const after = await upload(d, await make(d, 1));
      assert.equal(after.body.error.code, 'HERALD_ERR_DEVICE_INACTIVE');
      for (const userIds of [[], Array.from({ length: 51 }, (_, i) => `u${i}`), ['user:gina']]) {
        const r = await call(h.app, 'POST', '/v1/key-packages/claim', sender.token, { userIds });
        assert.equal(r.body.error.code, 'HERALD_ERR_API_VALIDATION');
      }
    });

    it('never gives the same KeyPackage to two concurrent claims', async () => {
      const senders = await Promise.all([1, 2, 3].map(() => h.enroll(admin, 'hank')));
      const target = await h.enroll(admin, 'iris');
      const kps = await make(target, 20);
      await upload(target, kps);
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => claim(senders[i % senders.length]!, ['iris'])),
      );
      const handed = results.flatMap((r) => r.devices.map((c) => c.keyPackage));
      assert.equal(handed.length, 20, 'every KeyPackage is handed out');
      assert.equal(new Set(handed).size, 20, 'none twice');
      assert.deepEqual(new Set(handed), new Set(kps.map(b64)));
      assert.equal(results.filter((r) => r.unavailable.length === 1).length, 10);
    });

    it('checks MLS credentials against the directory: a revoked device cannot be added to a group', async () => {
      const alice = await h.enroll(admin, 'jane');
      const bob = await h.enroll(admin, 'kurt');
      await upload(bob, await make(bob, 1));
      const engine = createNodeMlsEngine({
        credentialValidator: new KeyDirectoryCredentialValidator(h.keys.signatureKeys(tenantId)),
      });
      const group = await engine.createGroup(await alice.keyPackage());
      const [claimed] = (await claim(alice, ['kurt'])).devices;
      const added = await engine.addMembers(group, [Buffer.from(claimed!.keyPackage, 'base64')]);
      assert.ok(added.welcome, 'the directory accepts an active device');
      const globexLookup = h.keys.signatureKeys((await h.store.tenants.findTenantByName('globex'))!.id);
      assert.equal(await globexLookup({ userId: 'kurt', deviceId: bob.id }), undefined);
      await call(h.app, 'POST', `/v1/devices/${bob.id}/revoke`, admin);
      const group2 = await engine.createGroup(await alice.keyPackage());
      await assert.rejects(
        engine.addMembers(group2, [Buffer.from(claimed!.keyPackage, 'base64')]),
        (err: { code?: string }) => err.code === 'HERALD_ERR_E2EE_CREDENTIAL_REJECTED',
      );
    });
  });
}
