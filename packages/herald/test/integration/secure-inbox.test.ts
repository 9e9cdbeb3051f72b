// Device inboxes on SQLite and PostgreSQL, through HTTP: ordered fetch after a cursor, ack, the
// bounds (items per fetch, items per device), the TTL job, push tokens sealed at rest, and
// content-free wake-up pushes through the push adapter to the simulated APNs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PushAdapter } from '../../src/channels/push/push-adapter.ts';
import { loadProfile } from '../../src/simulator/profile.ts';
import { startPush, type PushHandle } from '../../src/simulator/push/push-server.ts';
import type { SecureLimits } from '../../src/secure/secure-limits.ts';
import type { Store } from '../../src/storage/store.ts';
import { testDatabases } from '../support/databases.ts';
import { secureRig, type SecureRig, type TestDevice } from '../support/secure-harness.ts';
import { simulatorPushOptions } from '../../src/channel-setup.ts';

const post = (d: TestDevice, groupId: string, text: string) =>
  d
    .encrypt(text)
    .then((message) => d.request('POST', `/v1/groups/${encodeURIComponent(groupId)}/messages`, { message }));

for (const { db, name } of testDatabases()) {
  void describe(`Device inboxes (${name})`, { skip: db ? false : 'HERALD_TEST_PG_URL is not set' }, () => {
    let store: Store;
    let dispose: () => Promise<void>;
    let base: SecureRig;
    let push: PushHandle;
    let pushAdapter: PushAdapter;
    let clock = Date.now();
    const rigs: SecureRig[] = [];
    let n = 0;

    before(async () => {
      ({ store, dispose } = await db!.open());
      base = await secureRig(store);
      push = await startPush({ profile: loadProfile() });
      pushAdapter = new PushAdapter({ apns: simulatorPushOptions(push).apns! });
      await pushAdapter.start();
    });
    after(async () => {
      for (const r of rigs) await r.close();
      await base.close();
      await pushAdapter.close();
      await push.close();
      await dispose();
    });

    /** A rig with its own limits over the same store and master key, and alice and bob in a group. */
    async function pair(limits: Partial<SecureLimits> = {}, withPush = false) {
      const rig = await secureRig(store, {
        box: base.box,
        world: base.world,
        limits,
        now: () => clock,
        ...(withPush ? { push: pushAdapter } : {}),
      });
      rigs.push(rig);
      n++;
      const [alice, bob] = await Promise.all([
        rig.device('alice', `alice-${n}`),
        rig.device('bob', `bob-${n}`),
      ]);
      const groupId = await alice.createGroup();
      assert.equal((await alice.add(groupId, [[bob, 1]])).statusCode, 200);
      await alice.sync();
      await bob.sync();
      return { rig, alice, bob, groupId };
    }

    it('serves items after a cursor, in order and at most `limit` at a time, and deletes them on ack', async () => {
      const { alice, bob, groupId } = await pair();
      for (let i = 0; i < 5; i++) assert.equal((await post(alice, groupId, `m${i}`)).statusCode, 202);
      const firstTwo = await bob.inbox(2);
      assert.deepEqual(
        firstTwo.map((i) => [i.seq, i.kind]),
        [
          [2, 'application'],
          [3, 'application'],
        ],
      );
      assert.ok(!Number.isNaN(Date.parse(firstTwo[0]!.sentAt)));
      assert.equal(await bob.ack(), 2);
      const rest = await bob.request('GET', '/v1/devices/me/inbox');
      assert.deepEqual(
        rest.json().items.map((i: { seq: number }) => i.seq),
        [4, 5, 6],
        'acked items are gone; after defaults to 0',
      );
      const tooMany = await bob.request('GET', '/v1/devices/me/inbox?limit=501');
      assert.equal(tooMany.statusCode, 400);
      assert.equal(tooMany.json().error.code, 'HERALD_ERR_API_VALIDATION');
      const bad = await bob.request('POST', '/v1/devices/me/inbox/ack', { upTo: -1 });
      assert.equal(bad.json().error.code, 'HERALD_ERR_API_VALIDATION');
      assert.deepEqual(await bob.sync(), ['m2', 'm3', 'm4']);
    });

    it('refuses to grow a full inbox, queuing nothing for anyone, until the device fetches and acks', async () => {
      const { rig, alice, bob, groupId } = await pair({ maxQueueLength: 3 });
      const carol = await rig.device('carol', `carol-${n}`);
      assert.equal((await alice.add(groupId, [[carol, 2]])).statusCode, 200);
      await alice.sync();
      await carol.sync();
      // bob holds the add commit; two messages fill his inbox.
      for (const t of ['a', 'b']) assert.equal((await post(alice, groupId, t)).statusCode, 202);
      const carolBefore = await carol.inbox();
      const full = await post(alice, groupId, 'c');
      assert.equal(full.statusCode, 429, full.body);
      assert.equal(full.json().error.code, 'HERALD_ERR_SECURE_QUEUE_FULL');
      assert.equal(full.json().error.retryable, true);
      assert.equal(full.headers['retry-after'], '1');
      carol.cursor = 0;
      assert.deepEqual(await carol.inbox(), carolBefore, 'carol got nothing either');
      assert.deepEqual(await bob.sync(), ['a', 'b']);
      assert.equal((await post(alice, groupId, 'd')).statusCode, 202);
      assert.deepEqual(await bob.sync(), ['d']);
    });

    it('hides expired items at once and deletes them with the TTL job, freeing their room', async () => {
      const { rig, alice, bob, groupId } = await pair({ queueTtlMs: 60_000, maxQueueLength: 3 });
      for (const t of ['old1', 'old2']) assert.equal((await post(alice, groupId, t)).statusCode, 202);
      clock += 61_000;
      assert.deepEqual(await bob.inbox(), [], 'expired items are never served');
      assert.equal(await rig.channel.expiry.runOnce(), 2);
      const row = await store.conn.db
        .selectFrom('secure_inboxes')
        .select(['length', 'last_seq'])
        .where('device_id', '=', bob.deviceId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { length: 0, last_seq: 3 });
      for (const t of ['new1', 'new2', 'new3']) assert.equal((await post(alice, groupId, t)).statusCode, 202);
      assert.deepEqual(await bob.sync(), ['new1', 'new2', 'new3']);
    });

    it('keeps push tokens sealed and refuses malformed ones', async () => {
      const { bob } = await pair();
      const token = 'ab'.repeat(32);
      for (const body of [
        { platform: 'apns', token: 'xyz' },
        { platform: 'fcm', token: 'has spaces' },
        { platform: 'sms', token },
      ]) {
        const res = await bob.request('PUT', '/v1/devices/me/push-token', body);
        assert.equal(res.statusCode, 400);
        assert.equal(res.json().error.code, 'HERALD_ERR_API_VALIDATION');
      }
      assert.equal(
        (await bob.request('PUT', '/v1/devices/me/push-token', { platform: 'apns', token })).statusCode,
        204,
      );
      const row = await store.conn.db
        .selectFrom('secure_inboxes')
        .select(['push_platform', 'push_token_sealed'])
        .where('device_id', '=', bob.deviceId)
        .executeTakeFirstOrThrow();
      assert.equal(row.push_platform, 'apns');
      assert.ok(
        row.push_token_sealed && !row.push_token_sealed.includes(token),
        'the token is sealed at rest',
      );
      assert.equal((await bob.request('DELETE', '/v1/devices/me/push-token')).statusCode, 204);
    });

    it('wakes a device without a stream with a content-free push, at most once per interval', async () => {
      const { rig, alice, bob, groupId } = await pair({ pushIntervalMs: 60_000 }, true);
      const token = 'cd'.repeat(32);
      assert.equal(
        (await bob.request('PUT', '/v1/devices/me/push-token', { platform: 'apns', token })).statusCode,
        204,
      );
      const before = push.received().length;
      assert.equal((await post(alice, groupId, 'secret-canary-41f')).statusCode, 202);
      await rig.channel.settled();
      const pushes = push.received().slice(before);
      assert.equal(pushes.length, 1);
      assert.equal(pushes[0]!.token, token);
      const payload = JSON.parse(pushes[0]!.payload) as { herald: { ref: string } };
      assert.match(payload.herald.ref, /^wake_[0-9a-z]{26}$/);
      for (const secret of [groupId, 'secret-canary-41f', bob.deviceId, 'application'])
        assert.ok(!pushes[0]!.payload.includes(secret), `the push does not carry ${secret}`);

      assert.equal((await post(alice, groupId, 'again')).statusCode, 202);
      await rig.channel.settled();
      assert.equal(push.received().length, before + 1, 'no second push within the interval');
      clock += 61_000;
      assert.equal((await post(alice, groupId, 'later')).statusCode, 202);
      await rig.channel.settled();
      assert.equal(push.received().length, before + 2, 'a new push after the interval');
    });
  });
}
