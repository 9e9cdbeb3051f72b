// Bad input to the Delivery Service gets a stable code and changes nothing: no epoch moves, no
// roster entry, no inbox item for anyone. On SQLite and PostgreSQL, through HTTP.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../src/storage/store.ts';
import { testDatabases } from '../support/databases.ts';
import { b64, secureRig, type SecureRig, type TestDevice } from '../support/secure-harness.ts';

const path = (groupId: string, rest: string) => `/v1/groups/${encodeURIComponent(groupId)}/${rest}`;

for (const { db, name } of testDatabases()) {
  void describe(
    `Delivery Service bad input (${name})`,
    { skip: db ? false : 'HERALD_TEST_PG_URL is not set' },
    () => {
      let store: Store;
      let dispose: () => Promise<void>;
      let rig: SecureRig;
      let alice: TestDevice;
      let bob: TestDevice;
      let mallory: TestDevice;
      let groupId: string;
      let otherGroup: string;
      /** A valid commit for the group's current epoch (epoch 1), never accepted by these tests. */
      let commit: string;

      before(async () => {
        ({ store, dispose } = await db!.open());
        rig = await secureRig(store, { limits: { maxMessageBytes: 4096 } });
        [alice, bob, mallory] = await Promise.all([
          rig.device('alice', 'alice-phone'),
          rig.device('bob', 'bob-phone'),
          rig.device('mallory', 'mallory-phone'),
        ]);
        groupId = await alice.createGroup();
        assert.equal((await alice.add(groupId, [[bob, 1]])).statusCode, 200);
        await alice.sync();
        await bob.sync();
        commit = b64((await alice.engine.commitPending(alice.state!)).commit);
        const other = await rig.device('alice', 'alice-laptop');
        otherGroup = await other.createGroup();
      });
      after(async () => {
        await rig.close();
        await dispose();
      });

      /** Everything the Delivery Service holds, to show that a refused request changed nothing. */
      async function snapshot() {
        const d = store.conn.db;
        return {
          groups: await d
            .selectFrom('secure_groups')
            .select(['group_id', 'epoch', 'group_info'])
            .orderBy('group_id')
            .execute(),
          members: await d
            .selectFrom('secure_members')
            .selectAll()
            .orderBy('group_id')
            .orderBy('leaf_index')
            .execute(),
          queue: await d
            .selectFrom('secure_queue')
            .select(['device_id', 'seq'])
            .orderBy('device_id')
            .orderBy('seq')
            .execute(),
          inboxes: await d
            .selectFrom('secure_inboxes')
            .select(['device_id', 'last_seq', 'length'])
            .orderBy('device_id')
            .execute(),
        };
      }

      async function refused(
        device: TestDevice,
        url: string,
        body: object,
        status: number,
        code: string,
        method: 'POST' | 'GET' = 'POST',
      ) {
        const before = await snapshot();
        const res = await device.request(method, url, body);
        assert.equal(res.statusCode, status, res.body);
        assert.equal(res.json().error.code, code);
        assert.deepEqual(await snapshot(), before, `${code}: nothing stored`);
      }

      it('refuses bytes that are not an MLS message', async () => {
        await refused(
          alice,
          path(groupId, 'handshake'),
          { message: b64(randomBytes(64)) },
          400,
          'HERALD_ERR_E2EE_MALFORMED_MESSAGE',
        );
        await refused(
          alice,
          path(groupId, 'messages'),
          { message: b64(randomBytes(300)) },
          400,
          'HERALD_ERR_E2EE_MALFORMED_MESSAGE',
        );
        // Truncated: a real commit missing its last bytes.
        const cut = b64(Buffer.from(commit, 'base64').subarray(0, 40));
        await refused(
          alice,
          path(groupId, 'handshake'),
          { message: cut },
          400,
          'HERALD_ERR_E2EE_MALFORMED_MESSAGE',
        );
      });

      it('refuses what is not canonical base64', async () => {
        await refused(
          alice,
          path(groupId, 'handshake'),
          { message: 'not base64!' },
          400,
          'HERALD_ERR_API_VALIDATION',
        );
        await refused(
          alice,
          path(groupId, 'handshake'),
          { message: 'abc' },
          400,
          'HERALD_ERR_E2EE_MALFORMED_MESSAGE',
        );
      });

      it('refuses a message larger than the configured limit before parsing it', async () => {
        await refused(
          alice,
          path(groupId, 'messages'),
          { message: b64(randomBytes(4097)) },
          413,
          'HERALD_ERR_SECURE_MESSAGE_TOO_LARGE',
        );
        await refused(
          alice,
          path(groupId, 'handshake'),
          { message: commit, groupInfo: b64(randomBytes(5000)) },
          413,
          'HERALD_ERR_SECURE_MESSAGE_TOO_LARGE',
        );
      });

      it('refuses a message whose framing names another group', async () => {
        await refused(
          alice,
          path(otherGroup, 'handshake'),
          { message: commit },
          400,
          'HERALD_ERR_E2EE_WRONG_GROUP',
        );
      });

      it('refuses a content type or wire format out of place', async () => {
        const application = await alice.encrypt('hello');
        await refused(
          alice,
          path(groupId, 'handshake'),
          { message: application },
          400,
          'HERALD_ERR_SECURE_WRONG_CONTENT_TYPE',
        );
        await refused(
          alice,
          path(groupId, 'messages'),
          { message: commit },
          400,
          'HERALD_ERR_SECURE_WRONG_CONTENT_TYPE',
        );
        const kp = b64((await mallory.keyPackage()).keyPackage);
        await refused(
          alice,
          path(groupId, 'handshake'),
          { message: kp },
          400,
          'HERALD_ERR_E2EE_UNEXPECTED_WIRE_FORMAT',
        );
        await refused(
          alice,
          path(groupId, 'handshake'),
          { message: commit, welcome: commit },
          400,
          'HERALD_ERR_E2EE_UNEXPECTED_WIRE_FORMAT',
        );
      });

      it('refuses a message for an epoch that is not the current one', async () => {
        // bob encrypts at epoch 1; a commit moves the group to epoch 2 first.
        const stale = await bob.encrypt('late');
        const next = await bob.commit(groupId);
        assert.equal(next.statusCode, 200);
        await alice.sync();
        await bob.sync();
        await refused(
          bob,
          path(groupId, 'messages'),
          { message: stale },
          409,
          'HERALD_ERR_SECURE_STALE_EPOCH',
        );
        await refused(
          alice,
          path(groupId, 'handshake'),
          { message: commit },
          409,
          'HERALD_ERR_SECURE_STALE_EPOCH',
        );
        commit = b64((await alice.engine.commitPending(alice.state!)).commit);
      });

      it('refuses devices that are not members, and groups of other tenants', async () => {
        await refused(
          mallory,
          path(groupId, 'handshake'),
          { message: commit },
          403,
          'HERALD_ERR_SECURE_NOT_MEMBER',
        );
        await refused(
          mallory,
          path(groupId, 'messages'),
          { message: await alice.encrypt('x') },
          403,
          'HERALD_ERR_SECURE_NOT_MEMBER',
        );
        const stranger = await rig.device('alice', 'alice-elsewhere', await rig.tenant('other-tenant'));
        await refused(
          stranger,
          path(groupId, 'handshake'),
          { message: commit },
          404,
          'HERALD_ERR_SECURE_GROUP_NOT_FOUND',
        );
        await refused(
          stranger,
          path(groupId, 'group-info'),
          {},
          404,
          'HERALD_ERR_SECURE_GROUP_NOT_FOUND',
          'GET',
        );
      });

      it('refuses a roster that does not fit the group or names foreign devices', async () => {
        const stranger = await rig.device('zed', 'zed-phone', await rig.tenant('other-tenant'));
        const rosters: Array<[object, string]> = [
          [{ removed: [5] }, 'leaf 5 is empty'],
          [{ added: [{ userId: 'mallory', deviceId: mallory.deviceId, leafIndex: 1 }] }, 'leaf 1 is taken'],
          [{ added: [{ userId: 'bob', deviceId: bob.deviceId, leafIndex: 4 }] }, 'already a member'],
          [
            { added: [{ userId: 'bob', deviceId: mallory.deviceId, leafIndex: 2 }] },
            'not an active device of user bob',
          ],
          [
            { added: [{ userId: 'zed', deviceId: stranger.deviceId, leafIndex: 2 }] },
            'not an active device of user zed',
          ],
        ];
        for (const [roster, why] of rosters) {
          const before = await snapshot();
          const res = await alice.request('POST', path(groupId, 'handshake'), { message: commit, roster });
          assert.equal(res.statusCode, 400, res.body);
          assert.equal(res.json().error.code, 'HERALD_ERR_SECURE_INVALID_ROSTER');
          assert.match(res.json().error.message, new RegExp(why));
          assert.deepEqual(await snapshot(), before);
        }
      });

      it('refuses a Welcome that does not match the roster, and a proposal with a roster', async () => {
        const kp = await mallory.keyPackage();
        const out = await alice.engine.addMembers(alice.state!, [kp.keyPackage]);
        await refused(
          alice,
          path(groupId, 'handshake'),
          { message: b64(out.commit), welcome: b64(out.welcome!) },
          400,
          'HERALD_ERR_SECURE_INVALID_HANDSHAKE',
        );
        const two = {
          added: [
            { userId: 'mallory', deviceId: mallory.deviceId, leafIndex: 2 },
            { userId: 'alice', deviceId: 'alice-laptop', leafIndex: 3 },
          ],
        };
        await refused(
          alice,
          path(groupId, 'handshake'),
          { message: b64(out.commit), welcome: b64(out.welcome!), roster: two },
          400,
          'HERALD_ERR_SECURE_INVALID_HANDSHAKE',
        );
      });

      it('refuses API keys, duplicate and malformed group ids', async () => {
        const key = await rig.senderKey(alice.tenantId);
        const res = await rig.app.inject({
          method: 'POST',
          url: '/v1/groups',
          headers: { authorization: `Bearer ${key}` },
          payload: { groupId: b64(randomBytes(32)) },
        });
        assert.equal(res.statusCode, 403);
        assert.equal(res.json().error.code, 'HERALD_ERR_AUTH_FORBIDDEN');
        await refused(alice, '/v1/groups', { groupId }, 409, 'HERALD_ERR_SECURE_GROUP_EXISTS');
        await refused(
          alice,
          '/v1/groups',
          { groupId: b64(randomBytes(8)) },
          400,
          'HERALD_ERR_API_VALIDATION',
        );
        await refused(
          alice,
          '/v1/groups',
          { groupId: b64(randomBytes(65)) },
          400,
          'HERALD_ERR_API_VALIDATION',
        );
      });
    },
  );
}
