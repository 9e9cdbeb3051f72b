import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateDeviceToken } from '../../src/keys/device-token.ts';
import type { Store } from '../../src/storage/store.ts';
import { apiHarness } from '../support/api-harness.ts';
import { testDatabases } from '../support/databases.ts';

for (const { db, name } of testDatabases()) {
  void describe(`device tokens (${name})`, { skip: db ? false : 'HERALD_TEST_PG_URL is not set' }, () => {
    let store: Store;
    let dispose: () => Promise<void>;
    let h: Awaited<ReturnType<typeof apiHarness>>;
    before(async () => {
      ({ store, dispose } = await db!.open());
      h = await apiHarness(store);
    });
    after(async () => {
      await h.app.close();
      await dispose();
    });

    async function enrolled(name: string) {
      await h.keyFor('acme', 'admin');
      const tenant = (await store.tenants.findTenantByName('acme'))!;
      const { token, hash } = generateDeviceToken();
      const device = await store.devices.insert(
        {
          id: `dev_${name}`,
          tenantId: tenant.id,
          userId: 'alice',
          name,
          managed: false,
          signatureKey: new Uint8Array(32),
          enrolledAt: Date.now(),
        },
        hash,
      );
      return { token, device };
    }

    it('never lets a device act as an API key, and refuses it once suspended', async () => {
      const { token, device } = await enrolled('phone');
      const send = await h.app.inject({
        method: 'POST',
        url: '/v1/messages',
        headers: { authorization: `Bearer ${token}` },
        payload: { to: '+15550100', content: { text: 'hi' }, classification: 'internal' },
      });
      assert.equal(send.statusCode, 403);
      assert.equal(send.json().error.code, 'HERALD_ERR_AUTH_FORBIDDEN');

      assert.equal(await store.devices.setStatus(device.tenantId, device.id, 'suspended'), true);
      // A fresh API (no cache) sees the new status at once.
      const fresh = await apiHarness(store);
      const res = await fresh.app.inject({
        method: 'GET',
        url: '/v1/messages',
        headers: { authorization: `Bearer ${token}` },
      });
      await fresh.app.close();
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.code, 'HERALD_ERR_DEVICE_INACTIVE');
    });

    it('refuses unknown and malformed device tokens', async () => {
      for (const token of [generateDeviceToken().token, 'hdv_short']) {
        const res = await h.app.inject({
          method: 'GET',
          url: '/v1/messages',
          headers: { authorization: `Bearer ${token}` },
        });
        assert.equal(res.statusCode, 401);
        assert.equal(res.json().error.code, 'HERALD_ERR_AUTH_INVALID');
      }
    });

    it('keeps a revoked device revoked', async () => {
      const { device } = await enrolled('laptop');
      assert.equal(await store.devices.setStatus(device.tenantId, device.id, 'revoked'), true);
      assert.equal(await store.devices.setStatus(device.tenantId, device.id, 'active'), false);
      assert.equal((await store.devices.get(device.tenantId, device.id))?.status, 'revoked');
    });
  });
}
