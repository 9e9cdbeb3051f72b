import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../src/storage/store.ts';
import { apiHarness } from '../support/api-harness.ts';
import { testDatabases } from '../support/databases.ts';

for (const { db, name } of testDatabases()) {
  describe(`contacts API: ${name}`, { skip: db ? false : 'HERALD_TEST_PG_URL is not set' }, () => {
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

    const call = (key: string, method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: object) =>
      h.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${key}` },
        ...(payload ? { payload } : {}),
      });

    it('stores, replaces and forgets a contact, per tenant', async () => {
      const admin = await h.keyFor('acme', 'admin');
      const other = await h.keyFor('globex', 'admin');
      const put = await call(admin, 'PUT', '/v1/contacts/dana', {
        phone: '+15550000103',
        email: 'Dana@Example.com',
        push: [`apns:${'ab'.repeat(32)}`],
        consent: ['email'],
      });
      assert.equal(put.statusCode, 200, put.body);
      const got = (await call(admin, 'GET', '/v1/contacts/dana')).json();
      assert.equal(got.email, 'dana@example.com');
      assert.deepEqual(got.consent, ['email']);
      assert.equal((await call(other, 'GET', '/v1/contacts/dana')).statusCode, 404, 'tenants are isolated');

      await call(admin, 'PUT', '/v1/contacts/dana', { phone: '+15550000104' });
      const replaced = (await call(admin, 'GET', '/v1/contacts/dana')).json();
      assert.deepEqual([replaced.phone, replaced.email, replaced.push], ['+15550000104', null, []]);

      assert.equal((await call(admin, 'DELETE', '/v1/contacts/dana')).statusCode, 204);
      const gone = await call(admin, 'GET', '/v1/contacts/dana');
      assert.equal(gone.json().error.code, 'HERALD_ERR_CONTACT_NOT_FOUND');
    });

    it('refuses bad fields and non-admin writers, and writes nothing', async () => {
      const admin = await h.keyFor('acme', 'admin');
      const sender = await h.keyFor('acme', 'sender');
      for (const [body, code] of [
        [{ phone: '5550000103' }, 'HERALD_ERR_API_VALIDATION'],
        [{ email: 'not-an-address' }, 'HERALD_ERR_CONTACT_INVALID'],
        [{ push: ['apns:short'] }, 'HERALD_ERR_API_VALIDATION'],
        [{ consent: ['fax'] }, 'HERALD_ERR_API_VALIDATION'],
        [{ nickname: 'D' }, 'HERALD_ERR_API_VALIDATION'],
      ] as const) {
        const res = await call(admin, 'PUT', '/v1/contacts/erin', body);
        assert.equal(res.json().error.code, code, JSON.stringify(body));
      }
      assert.equal(
        (await call(sender, 'PUT', '/v1/contacts/erin', { phone: '+15550000103' })).statusCode,
        403,
      );
      assert.equal((await call(admin, 'GET', '/v1/contacts/erin')).statusCode, 404);
    });
  });
}
