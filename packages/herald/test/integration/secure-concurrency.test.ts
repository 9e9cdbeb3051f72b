// Two API processes' worth of Delivery Service (each its own store and connection pool) over one
// PostgreSQL database: commits for one epoch race through both, and exactly one wins each time.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MlsPendingCommit } from '../../src/e2ee/mls/mls-engine.ts';
import { Store } from '../../src/storage/store.ts';
import { testDatabases } from '../support/databases.ts';
import { b64, secureRig, type SecureRig, type TestDevice } from '../support/secure-harness.ts';

const pg = testDatabases().find((d) => d.name === 'postgres')!;

void describe(
  'Delivery Service on PostgreSQL with two processes',
  { skip: pg.db ? false : 'HERALD_TEST_PG_URL is not set' },
  () => {
    let first: SecureRig;
    let second: SecureRig;
    let other: Store;
    let dispose: () => Promise<void>;

    before(async () => {
      const opened = await pg.db!.open();
      dispose = opened.dispose;
      other = await Store.open(opened.url, { poolSize: 5 });
      first = await secureRig(opened.store, { databaseUrl: opened.url });
      // The same master key and key directory: the same deployment, another process.
      second = await secureRig(other, { databaseUrl: opened.url, box: first.box, world: first.world });
    });
    after(async () => {
      await second.close();
      await first.close();
      await other.close();
      await dispose();
    });

    it('has one external sender identity for every process', () => {
      assert.deepEqual(second.channel.config, first.channel.config);
    });

    it('lets exactly one of several concurrent commits for an epoch win, round after round', async () => {
      const [alice, bob] = await Promise.all([
        first.device('alice', 'alice-1'),
        first.device('bob', 'bob-1'),
      ]);
      const groupId = await alice.createGroup();
      assert.equal((await alice.add(groupId, [[bob, 1]])).statusCode, 200);
      await alice.sync();
      await bob.sync();

      const rounds = 8;
      for (let round = 0; round < rounds; round++) {
        // Three candidate commits from each member, all for the current epoch, through both processes.
        const candidates: Array<{ device: TestDevice; pending: MlsPendingCommit; rig: SecureRig }> = [];
        for (const [device, rig] of [
          [alice, first],
          [bob, second],
        ] as const)
          for (let i = 0; i < 3; i++)
            candidates.push({
              device,
              rig,
              pending: (await device.engine.commitPending(device.state!)).pending,
            });
        const answers = await Promise.all(
          candidates.map((c) =>
            c.device.request(
              'POST',
              `/v1/groups/${encodeURIComponent(groupId)}/handshake`,
              { message: b64(c.pending.commit) },
              c.rig.app,
            ),
          ),
        );
        const won = answers.filter((a) => a.statusCode === 200);
        assert.equal(won.length, 1, `round ${round}: ${answers.map((a) => a.statusCode).join(',')}`);
        for (const a of answers.filter((x) => x.statusCode !== 200)) {
          assert.equal(a.statusCode, 409);
          assert.equal(a.json().error.code, 'HERALD_ERR_SECURE_STALE_EPOCH');
        }
        assert.deepEqual(won[0]!.json(), { epoch: round + 2 });
        const winner = candidates[answers.indexOf(won[0]!)]!;
        winner.device.pending = winner.pending;
        for (const d of [alice, bob]) {
          if (d !== winner.device) d.pending = undefined;
          const items = await d.inbox();
          assert.deepEqual(
            items.map((i) => i.kind),
            ['commit'],
            'each member gets the winning commit, and only it',
          );
          d.cursor -= 1;
          await d.sync();
          assert.equal(d.state!.epoch, BigInt(round + 2));
        }
      }
      const row = await other.conn.db
        .selectFrom('secure_groups')
        .select('epoch')
        .where('group_id', '=', groupId)
        .executeTakeFirstOrThrow();
      assert.equal(row.epoch, rounds + 1);
    });

    it('gives each device one gap-free sequence when several processes queue to it at once', async () => {
      const [alice, bob, carol] = await Promise.all([
        first.device('alice', 'alice-2'),
        first.device('bob', 'bob-2'),
        first.device('carol', 'carol-2'),
      ]);
      const groupId = await alice.createGroup();
      assert.equal(
        (
          await alice.add(groupId, [
            [bob, 1],
            [carol, 2],
          ])
        ).statusCode,
        200,
      );
      for (const d of [alice, bob, carol]) await d.sync();
      const posts: Array<Promise<{ statusCode: number }>> = [];
      for (let i = 0; i < 20; i++)
        for (const [d, rig] of [
          [alice, first],
          [bob, second],
        ] as const)
          posts.push(
            d.request(
              'POST',
              `/v1/groups/${encodeURIComponent(groupId)}/messages`,
              { message: await d.encrypt(`m${i}`) },
              rig.app,
            ),
          );
      assert.deepEqual(
        (await Promise.all(posts)).map((r) => r.statusCode),
        posts.map(() => 202),
      );
      const items = await carol.inbox();
      assert.deepEqual(
        items.map((i) => i.seq),
        Array.from({ length: 40 }, (_, i) => i + 2),
        'carol sees 40 items in sequence after the Welcome',
      );
      carol.cursor = 1;
      const texts = await carol.sync();
      assert.equal(texts.length, 40);
    });
  },
);
