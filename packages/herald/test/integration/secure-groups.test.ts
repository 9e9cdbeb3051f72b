// The Delivery Service through HTTP on SQLite and PostgreSQL, with real MLS clients on the device
// side: group creation, commits ordered per epoch with their echo, Welcomes, application fan-out,
// GroupInfo, and revocation through the server's external Remove proposal.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../src/storage/store.ts';
import { testDatabases } from '../support/databases.ts';
import { b64, secureRig, unb64, type SecureRig, type TestDevice } from '../support/secure-harness.ts';

const path = (groupId: string, rest: string) => `/v1/groups/${encodeURIComponent(groupId)}/${rest}`;

for (const { db, name } of testDatabases()) {
  void describe(
    `Delivery Service groups (${name})`,
    { skip: db ? false : 'HERALD_TEST_PG_URL is not set' },
    () => {
      let store: Store;
      let url: string;
      let dispose: () => Promise<void>;
      let rig: SecureRig;
      before(async () => {
        ({ store, url, dispose } = await db!.open());
        rig = await secureRig(store, name === 'postgres' ? { databaseUrl: url } : {});
      });
      after(async () => {
        await rig.close();
        await dispose();
      });

      let n = 0;
      const devices = async (...users: string[]): Promise<TestDevice[]> => {
        n++;
        return Promise.all(users.map((u) => rig.device(u, `${u}-${n}`)));
      };

      /** alice creates a group and adds bob and carol, who join from the Welcome. */
      async function threeMembers() {
        const [alice, bob, carol] = await devices('alice', 'bob', 'carol');
        const groupId = await alice!.createGroup();
        const added = await alice!.add(groupId, [
          [bob!, 1],
          [carol!, 2],
        ]);
        assert.equal(added.statusCode, 200, added.body);
        assert.deepEqual(added.json(), { epoch: 1 });
        for (const d of [alice!, bob!, carol!]) await d.sync();
        return { alice: alice!, bob: bob!, carol: carol!, groupId };
      }

      it('creates a group, orders the add commit, echoes it to the committer and welcomes the added devices', async () => {
        const [alice, bob, carol] = await devices('alice', 'bob', 'carol');
        const groupId = await alice!.createGroup();
        const res = await alice!.add(groupId, [
          [bob!, 1],
          [carol!, 2],
        ]);
        assert.equal(res.statusCode, 200, res.body);

        const echo = await alice!.inbox();
        assert.deepEqual(
          echo.map((i) => i.kind),
          ['commit'],
          'the committer gets its own commit back',
        );
        assert.equal(echo[0]!.groupId, groupId);
        for (const d of [bob!, carol!]) {
          const items = await d.inbox();
          assert.deepEqual(
            items.map((i) => i.kind),
            ['welcome'],
          );
          d.cursor = 0;
        }
        alice!.cursor = 0;
        for (const d of [alice!, bob!, carol!]) await d.sync();
        for (const d of [alice!, bob!, carol!])
          assert.deepEqual(d.members(), [
            `alice:${alice!.deviceId}`,
            `bob:${bob!.deviceId}`,
            `carol:${carol!.deviceId}`,
          ]);
        assert.equal(bob!.state!.epoch, 1n);
      });

      it('fans an application message out to every other member device, who decrypt it', async () => {
        const { alice, bob, carol, groupId } = await threeMembers();
        const res = await alice.request('POST', path(groupId, 'messages'), {
          message: await alice.encrypt('lunch at noon'),
        });
        assert.equal(res.statusCode, 202, res.body);
        assert.equal(typeof res.json().seq, 'number');
        assert.deepEqual(await bob.sync(), ['lunch at noon']);
        assert.deepEqual(await carol.sync(), ['lunch at noon']);
        assert.deepEqual(await alice.inbox(), [], 'the sender gets no copy');
      });

      it('lets the first commit for an epoch win and refuses the second and older ones with HERALD_ERR_SECURE_STALE_EPOCH', async () => {
        const { alice, bob, carol, groupId } = await threeMembers();
        const first = await bob.commit(groupId);
        assert.equal(first.statusCode, 200, first.body);
        assert.deepEqual(first.json(), { epoch: 2 });
        const second = await carol.commit(groupId);
        assert.equal(second.statusCode, 409);
        assert.equal(second.json().error.code, 'HERALD_ERR_SECURE_STALE_EPOCH');
        carol.pending = undefined;

        // Everyone, the winner included, gets exactly the winning commit, and all agree on epoch 2.
        for (const d of [alice, bob, carol]) await d.sync();
        for (const d of [alice, bob, carol]) assert.equal(d.state!.epoch, 2n);
        const next = await alice.commit(groupId);
        assert.equal(next.statusCode, 200, 'a commit for the current epoch is taken');
        await alice.sync();
        const old = await bob.commit(groupId);
        assert.equal(old.statusCode, 409, 'a commit for an older epoch is refused');
        assert.equal(old.json().error.code, 'HERALD_ERR_SECURE_STALE_EPOCH');
      });

      it("stores the committer's GroupInfo; a member user's new device joins by external commit, others cannot", async () => {
        const { alice, bob, carol, groupId } = await threeMembers();
        const none = await alice.request('GET', path(groupId, 'group-info'));
        assert.equal(none.statusCode, 404);
        assert.equal(none.json().error.code, 'HERALD_ERR_SECURE_NO_GROUP_INFO');
        assert.equal((await alice.commitWithGroupInfo(groupId)).statusCode, 200);
        for (const d of [alice, bob, carol]) await d.sync();

        const laptop = await rig.device('bob', `bob-laptop-${n}`);
        const info = await laptop.request('GET', path(groupId, 'group-info'));
        assert.equal(info.statusCode, 200, info.body);
        assert.equal(info.json().epoch, 2);
        const joined = await laptop.engine.joinByExternalCommit(unb64(info.json().groupInfo), {
          identity: { userId: 'bob', deviceId: laptop.deviceId },
          signer: laptop.signer,
        });
        const [mallory] = await devices('mallory');
        const other = await mallory!.request('GET', path(groupId, 'group-info'));
        assert.equal(other.statusCode, 403);
        assert.equal(other.json().error.code, 'HERALD_ERR_SECURE_NOT_MEMBER');
        const roster = {
          added: [{ userId: 'bob', deviceId: laptop.deviceId, leafIndex: joined.state.ownLeafIndex }],
        };
        const foreign = await mallory!.request('POST', path(groupId, 'handshake'), {
          message: b64(joined.commit),
          roster,
        });
        assert.equal(foreign.statusCode, 400, 'an external commit must add the device that posts it');
        const refused = await mallory!.request('POST', path(groupId, 'handshake'), {
          message: b64(joined.commit),
          roster: { added: [{ userId: 'mallory', deviceId: mallory!.deviceId, leafIndex: 3 }] },
        });
        assert.equal(refused.statusCode, 403);
        assert.equal(refused.json().error.code, 'HERALD_ERR_SECURE_NOT_MEMBER');

        const res = await laptop.request('POST', path(groupId, 'handshake'), {
          message: b64(joined.commit),
          roster,
        });
        assert.equal(res.statusCode, 200, res.body);
        assert.deepEqual(res.json(), { epoch: 3 });
        laptop.pending = { commit: joined.commit, epoch: 3n };
        laptop.pendingNext = joined.state;
        for (const d of [alice, bob, carol, laptop]) await d.sync();
        for (const d of [alice, bob, carol, laptop]) assert.equal(d.state!.epoch, 3n);
        const sent = await alice.request('POST', path(groupId, 'messages'), {
          message: await alice.encrypt('hi all'),
        });
        assert.equal(sent.statusCode, 202);
        assert.deepEqual(await laptop.sync(), ['hi all']);
      });

      it('proposes a revoked device out as the external sender; the next commit removes it and it gets nothing more', async () => {
        const { alice, bob, carol, groupId } = await threeMembers();
        await store.devices.setStatus(carol.tenantId, carol.deviceId, 'revoked');
        const revoked = await rig.channel.revokeDevice(carol.tenantId, carol.deviceId);
        assert.deepEqual(revoked, { groups: 1 });

        // The revoked device is refused at once, whatever an authentication cache still says.
        const posted = await carol.request('POST', path(groupId, 'messages'), {
          message: await carol.encrypt('still here?'),
        });
        assert.equal(posted.statusCode, 403);
        assert.equal(posted.json().error.code, 'HERALD_ERR_SECURE_NOT_MEMBER');

        // bob processes the Delivery Service's Remove proposal and commits it.
        const proposals = await bob.inbox();
        assert.deepEqual(
          proposals.map((i) => i.kind),
          ['proposal'],
        );
        bob.cursor = 0;
        await bob.sync();
        const commit = await bob.commit(groupId, { removed: [2] });
        assert.equal(commit.statusCode, 200, commit.body);
        await alice.sync();
        await bob.sync();
        for (const d of [alice, bob]) {
          assert.equal(d.state!.epoch, 2n);
          assert.deepEqual(d.members(), [`alice:${alice.deviceId}`, `bob:${bob.deviceId}`]);
        }
        const res = await alice.request('POST', path(groupId, 'messages'), {
          message: await alice.encrypt('carol is gone'),
        });
        assert.equal(res.statusCode, 202);
        assert.deepEqual(await bob.sync(), ['carol is gone']);
        const carolItems = await store.conn.db
          .selectFrom('secure_queue')
          .select('seq')
          .where('device_id', '=', carol.deviceId)
          .execute();
        assert.deepEqual(carolItems, [], 'nothing is queued for the revoked device');
      });

      it('proposes the removal again in the next epoch when a commit leaves the revoked device in', async () => {
        const { alice, bob, carol, groupId } = await threeMembers();
        // bob builds a commit before the revocation; it wins the epoch without removing carol.
        const early = await bob.engine.commitPending(bob.state!);
        await store.devices.setStatus(carol.tenantId, carol.deviceId, 'revoked');
        await rig.channel.revokeDevice(carol.tenantId, carol.deviceId);
        const res = await bob.request('POST', path(groupId, 'handshake'), { message: b64(early.commit) });
        assert.equal(res.statusCode, 200, res.body);
        bob.pending = early.pending;

        const kinds = (await alice.inbox()).map((i) => i.kind);
        assert.deepEqual(
          kinds,
          ['proposal', 'commit', 'proposal'],
          "the epoch-1 Remove, bob's commit, the epoch-2 Remove",
        );
        alice.cursor = 0;
        await alice.sync();
        await bob.sync();
        assert.equal(alice.state!.epoch, 2n);
        assert.equal((await alice.commit(groupId, { removed: [2] })).statusCode, 200);
        await alice.sync();
        await bob.sync();
        for (const d of [alice, bob])
          assert.deepEqual(d.members(), [`alice:${alice.deviceId}`, `bob:${bob.deviceId}`]);
      });
    },
  );
}
