// Sending to a person through the secure channel, end to end on SQLite and PostgreSQL: the
// sender's SDK side encrypts, `POST /v1/messages` carries only ciphertext, the worker's `secure`
// adapter queues it into the group, and the message is `delivered` once a device of the
// recipient acknowledges it. Plaintext routed to `secure` is `unsupported`, so the fallback runs.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SecureAdapter } from '../../src/channels/secure/secure-adapter.ts';
import type { Dispatcher } from '../../src/delivery/dispatcher.ts';
import type { PolicyEngine, RouteStep } from '../../src/policy/decision.ts';
import type { Store } from '../../src/storage/store.ts';
import { testDatabases } from '../support/databases.ts';
import { eventually, testDispatcher } from '../support/dispatcher-harness.ts';
import { b64, secureRig, type SecureRig, type TestDevice } from '../support/secure-harness.ts';

/** The route a policy gives Herald users: the secure channel, then a content-free push notice. */
const route: RouteStep[] = [
  {
    channel: 'secure',
    tier: 'e2ee',
    content: 'full',
    fallbackOn: [{ on: 'unsupported' }, { on: 'failed' }],
    belowMinimumTier: false,
  },
  {
    channel: 'push',
    tier: 'transport',
    content: 'notice',
    notice: 'You have a secure message.',
    fallbackOn: [],
    belowMinimumTier: true,
  },
];

const policy: PolicyEngine = {
  version: 'test-secure',
  decide: () => ({
    outcome: 'allow',
    route,
    journal: 'none',
    minimumTier: 'e2ee',
    rule: 'test/secure',
    policyVersion: 'test-secure',
    reasons: ['users are reached end to end'],
    trace: [],
  }),
};

interface Detail {
  status: string;
  attempts: Array<{
    channel: string;
    status: string;
    errorCode: string | null;
    providerMessageId: string | null;
  }>;
  timeline: Array<{ type: string; status: string | null; trigger?: string }>;
}

const fellBack = (e: Detail['timeline'][number]) => e.type === 'status' && e.status === 'fell_back';

for (const { db, name } of testDatabases()) {
  void describe(
    `Sending through the secure channel (${name})`,
    { skip: db ? false : 'HERALD_TEST_PG_URL is not set' },
    () => {
      let store: Store;
      let dispose: () => Promise<void>;
      let rig: SecureRig;
      let dispatcher: Dispatcher;
      let key: string;
      let svc: TestDevice;
      let bob: TestDevice;
      let bobLaptop: TestDevice;
      let groupId: string;

      before(async () => {
        ({ store, dispose } = await db!.open());
        rig = await secureRig(store, { policy });
        dispatcher = testDispatcher(
          store,
          rig.box,
          new Map([['secure', new SecureAdapter({ delivery: rig.channel.service })]]),
        );
        dispatcher.start();
        // The sending service is a user with an enrolled device, and holds a sender API key.
        [svc, bob, bobLaptop] = await Promise.all([
          rig.device('svc-billing', 'svc-1'),
          rig.device('bob', 'bob-phone'),
          rig.device('bob', 'bob-laptop'),
        ]);
        key = await rig.senderKey(svc.tenantId);
        groupId = await svc.createGroup();
        assert.equal(
          (
            await svc.add(groupId, [
              [bob, 1],
              [bobLaptop, 2],
            ])
          ).statusCode,
          200,
        );
        for (const d of [svc, bob, bobLaptop]) await d.sync();
      });
      after(async () => {
        await dispatcher.stop();
        await rig.close();
        await dispose();
      });

      const send = (payload: object) =>
        rig.app.inject({
          method: 'POST',
          url: '/v1/messages',
          headers: { authorization: `Bearer ${key}` },
          payload,
        });
      const detail = async (id: string) =>
        (
          await rig.app.inject({
            method: 'GET',
            url: `/v1/messages/${id}`,
            headers: { authorization: `Bearer ${key}` },
          })
        ).json() as Detail;

      it('queues the ciphertext into the group and reports delivered when a device of the recipient acknowledges it', async () => {
        const canary = 'canary-e2ee-7c41: your payslip is ready';
        const res = await send({
          to: 'user:bob',
          content: { mls: { groupId, message: await svc.encrypt(canary) } },
          classification: 'restricted',
        });
        assert.equal(res.statusCode, 202, res.body);
        const id = res.json().id as string;
        await eventually(
          async () => ((await detail(id)).status === 'sent' ? true : undefined),
          10_000,
          'sent',
        );
        assert.equal((await detail(id)).attempts[0]!.providerMessageId, id);

        assert.deepEqual(await bob.sync(), [canary], 'only the device decrypts it');
        const done = await eventually(async () => {
          const d = await detail(id);
          return d.status === 'delivered' ? d : undefined;
        });
        assert.equal(done.attempts[0]!.channel, 'secure');
        assert.deepEqual(await bobLaptop.sync(), [canary], "the recipient's other device gets it too");

        // The gateway never held the plaintext: no table has it.
        const dump = JSON.stringify([
          await store.conn.db.selectFrom('messages').selectAll().execute(),
          await store.conn.db.selectFrom('message_events').selectAll().execute(),
          await store.conn.db.selectFrom('message_content').selectAll().execute(),
          (await store.conn.db.selectFrom('secure_queue').select('message').execute()).map((r) =>
            Buffer.from(r.message).toString('latin1'),
          ),
        ]);
        assert.ok(!dump.includes('canary-e2ee-7c41'));
      });

      it('is unsupported for plaintext, which the gateway cannot encrypt, so the fallback runs', async () => {
        const res = await send({
          to: 'user:bob',
          content: { text: 'plain words' },
          classification: 'internal',
        });
        assert.equal(res.statusCode, 202);
        const d = await eventually(async () => {
          const x = await detail(res.json().id as string);
          return x.timeline.some(fellBack) ? x : undefined;
        });
        assert.equal(d.attempts[0]!.errorCode, 'HERALD_ERR_CHANNEL_RECIPIENT_UNSUPPORTED');
        assert.equal(d.timeline.find(fellBack)!.trigger, 'unsupported');
        bob.cursor = 0;
        assert.deepEqual(
          (await bob.inbox()).filter((i) => i.kind === 'application'),
          [],
          'nothing was queued',
        );
      });

      it('is unsupported when the group holds no device of the recipient', async () => {
        const res = await send({
          to: 'user:mallory',
          content: { mls: { groupId, message: await svc.encrypt('not for mallory') } },
          classification: 'internal',
        });
        const d = await eventually(async () => {
          const x = await detail(res.json().id as string);
          return x.timeline.some(fellBack) ? x : undefined;
        });
        assert.equal(d.timeline.find(fellBack)!.trigger, 'unsupported');
      });

      it('refuses MLS content for other recipients, and malformed or misplaced MLS content, at once', async () => {
        const cases: Array<[object, number, string]> = [
          [
            { to: '+15550000001', content: { mls: { groupId, message: await svc.encrypt('x') } } },
            400,
            'HERALD_ERR_MESSAGE_MLS_NEEDS_USER',
          ],
          [
            { to: 'user:bob', content: { mls: { groupId, message: b64(randomBytes(80)) } } },
            400,
            'HERALD_ERR_E2EE_MALFORMED_MESSAGE',
          ],
          [
            { to: 'user:bob', content: { mls: { groupId: b64(randomBytes(8)), message: 'AAAA' } } },
            400,
            'HERALD_ERR_API_VALIDATION',
          ],
          [
            {
              to: 'user:bob',
              content: {
                mls: { groupId, message: b64((await svc.engine.commitPending(svc.state!)).commit) },
              },
            },
            400,
            'HERALD_ERR_SECURE_WRONG_CONTENT_TYPE',
          ],
          [
            {
              to: 'user:bob',
              content: { mls: { groupId: b64(randomBytes(32)), message: await svc.encrypt('y') } },
            },
            400,
            'HERALD_ERR_E2EE_WRONG_GROUP',
          ],
          [
            { to: 'user:bob', content: { text: 'both', mls: { groupId, message: 'AAAA' } } },
            400,
            'HERALD_ERR_API_VALIDATION',
          ],
        ];
        const before = await store.conn.db.selectFrom('messages').select('id').execute();
        for (const [body, status, code] of cases) {
          const res = await send({ ...body, classification: 'internal' });
          assert.equal(res.statusCode, status, res.body);
          assert.equal(res.json().error.code, code);
        }
        assert.equal(
          (await store.conn.db.selectFrom('messages').select('id').execute()).length,
          before.length,
        );
      });
    },
  );
}
