import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, openKeysHarness, type KeysHarness } from '../support/keys-harness.ts';
import { testDatabases } from '../support/databases.ts';

for (const { db, name } of testDatabases()) {
  describe(`device administration (${name})`, { skip: db ? false : 'HERALD_TEST_PG_URL is not set' }, () => {
    let h: KeysHarness;
    let admin: string;
    before(async () => {
      h = await openKeysHarness(db!);
      admin = await h.keyFor('acme', 'admin');
    });
    after(() => h.dispose());

    const audit = (target: string) =>
      h.store.conn.db
        .selectFrom('audit_events')
        .select(['action', 'actor'])
        .where('target', '=', target)
        .orderBy('id')
        .execute();
    const entries = async (deviceId: string) =>
      (
        await h.store.conn.db
          .selectFrom('key_directory_entries')
          .select('entry')
          .where('device_id', '=', deviceId)
          .orderBy('id')
          .execute()
      ).map((r) => JSON.parse(r.entry) as { action: string; key: string });

    it('lists devices by user, newest last', async () => {
      const a1 = await h.enroll(admin, 'alice', 'phone');
      const a2 = await h.enroll(admin, 'alice', 'laptop');
      await h.enroll(admin, 'bob');
      const r = await call(h.app, 'GET', '/v1/devices?userId=alice', admin);
      assert.equal(r.status, 200);
      assert.deepEqual(
        r.body.devices.map((d: { id: string; name: string }) => [d.id, d.name]),
        [
          [a1.id, 'phone'],
          [a2.id, 'laptop'],
        ],
      );
      const page = await call(h.app, 'GET', `/v1/devices?limit=1&after=${a1.id}`, admin);
      assert.deepEqual(
        page.body.devices.map((d: { id: string }) => d.id),
        [a2.id],
      );
      const bad = await call(h.app, 'GET', '/v1/devices?limit=5000', admin);
      assert.equal(bad.body.error.code, 'HERALD_ERR_API_VALIDATION');
    });

    it('suspends and resumes a device, refused at once in between, each an audit event', async () => {
      const d = await h.enroll(admin, 'carol');
      // Warm the authentication cache: the change must not wait for it to expire.
      assert.equal((await call(h.app, 'GET', '/v1/devices/me', d.token)).status, 200);
      const s = await call(h.app, 'POST', `/v1/devices/${d.id}/suspend`, admin);
      assert.equal(s.status, 200);
      assert.equal(s.body.status, 'suspended');
      const refused = await call(h.app, 'GET', '/v1/devices/me', d.token);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, 'HERALD_ERR_DEVICE_INACTIVE');
      // Suspending again changes nothing and records nothing.
      assert.equal(
        (await call(h.app, 'POST', `/v1/devices/${d.id}/suspend`, admin)).body.status,
        'suspended',
      );
      const back = await call(h.app, 'POST', `/v1/devices/${d.id}/resume`, admin);
      assert.equal(back.body.status, 'active');
      assert.equal((await call(h.app, 'GET', '/v1/devices/me', d.token)).status, 200);
      assert.deepEqual(
        (await audit(d.id)).map((a) => a.action),
        ['device.enrolled', 'device.suspended', 'device.resumed'],
      );
      assert.equal((await entries(d.id)).length, 1, 'suspension is not a key change');
    });

    it('revokes for good: refused everywhere, a revoke entry, the listener told once', async () => {
      const d = await h.enroll(admin, 'dave');
      assert.equal((await call(h.app, 'GET', '/v1/devices/me', d.token)).status, 200);
      h.revoked.length = 0;
      const r = await call(h.app, 'POST', `/v1/devices/${d.id}/revoke`, admin);
      assert.equal(r.status, 200);
      assert.equal(r.body.status, 'revoked');
      const me = await call(h.app, 'GET', '/v1/devices/me', d.token);
      assert.equal(me.body.error.code, 'HERALD_ERR_DEVICE_INACTIVE');
      const tenant = (await h.store.tenants.findTenantByName('acme'))!;
      assert.deepEqual(h.revoked, [{ tenantId: tenant.id, userId: 'dave', deviceId: d.id }]);
      assert.deepEqual(
        (await entries(d.id)).map((e) => [e.action, e.key]),
        [
          ['publish', Buffer.from(d.signer.publicKey).toString('base64')],
          ['revoke', Buffer.from(d.signer.publicKey).toString('base64')],
        ],
      );
      // Final: no way back, and revoking again records nothing new.
      for (const change of ['resume', 'suspend']) {
        const x = await call(h.app, 'POST', `/v1/devices/${d.id}/${change}`, admin);
        assert.equal(x.status, 409);
        assert.equal(x.body.error.code, 'HERALD_ERR_DEVICE_REVOKED');
      }
      assert.equal((await call(h.app, 'POST', `/v1/devices/${d.id}/revoke`, admin)).body.status, 'revoked');
      assert.equal((await entries(d.id)).length, 2);
      assert.equal(h.revoked.length, 1);
      assert.deepEqual(
        (await audit(d.id)).map((a) => a.action),
        ['device.enrolled', 'device.revoked'],
      );
    });

    it('records one revocation when two race', async () => {
      const d = await h.enroll(admin, 'erin');
      h.revoked.length = 0;
      const rs = await Promise.all(
        [1, 2, 3].map(() => call(h.app, 'POST', `/v1/devices/${d.id}/revoke`, admin)),
      );
      assert.deepEqual(
        rs.map((r) => r.body.status),
        ['revoked', 'revoked', 'revoked'],
      );
      assert.equal((await entries(d.id)).filter((e) => e.action === 'revoke').length, 1);
      assert.equal((await audit(d.id)).filter((a) => a.action === 'device.revoked').length, 1);
      assert.equal(h.revoked.length, 1);
    });

    it("keeps tenants apart: another tenant's admin neither sees nor touches a device", async () => {
      const d = await h.enroll(admin, 'frank');
      const other = await h.keyFor('globex', 'admin');
      const theirs = await h.enroll(other, 'frank');
      const list = await call(h.app, 'GET', '/v1/devices?userId=frank', other);
      assert.deepEqual(
        list.body.devices.map((x: { id: string }) => x.id),
        [theirs.id],
      );
      for (const change of ['suspend', 'resume', 'revoke']) {
        const r = await call(h.app, 'POST', `/v1/devices/${d.id}/${change}`, other);
        assert.equal(r.status, 404);
        assert.equal(r.body.error.code, 'HERALD_ERR_DEVICE_NOT_FOUND');
      }
      assert.equal((await call(h.app, 'GET', '/v1/devices/me', d.token)).body.status, 'active');
      // Nor can a device of the other tenant read this one's directory entries.
      const dir = await call(h.app, 'GET', `/v1/directory/frank/${d.id}`, theirs.token);
      assert.equal(dir.body.error.code, 'HERALD_ERR_DEVICE_NOT_FOUND');
    });

    it('keeps device administration for admins', async () => {
      const d = await h.enroll(admin, 'gina');
      for (const role of ['sender', 'auditor'] as const) {
        const key = await h.keyFor('acme', role);
        assert.equal(
          (await call(h.app, 'GET', '/v1/devices', key)).body.error.code,
          'HERALD_ERR_AUTH_FORBIDDEN',
        );
        const r = await call(h.app, 'POST', `/v1/devices/${d.id}/revoke`, key);
        assert.equal(r.body.error.code, 'HERALD_ERR_AUTH_FORBIDDEN');
      }
      const self = await call(h.app, 'POST', `/v1/devices/${d.id}/revoke`, d.token);
      assert.equal(self.body.error.code, 'HERALD_ERR_AUTH_FORBIDDEN');
      assert.equal((await call(h.app, 'GET', '/v1/devices/me', d.token)).body.status, 'active');
    });
  });
}
