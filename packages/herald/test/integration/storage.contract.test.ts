import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashApiKey } from '../../src/api/api-key.ts';
import type { HeraldError } from '../../src/errors/index.ts';
import type { Store } from '../../src/storage/store.ts';
import { testDatabases } from '../support/databases.ts';
import { newMessage, twoTenants } from '../support/fixtures.ts';

// One contract, every dialect: the same assertions run on SQLite and on PostgreSQL.
for (const { db, name } of testDatabases()) {
  describe(`storage contract: ${name}`, { skip: db ? false : 'HERALD_TEST_PG_URL is not set' }, () => {
    let store: Store;
    let dispose: () => Promise<void>;
    before(async () => {
      const opened = await db!.open();
      store = opened.store;
      dispose = opened.dispose;
    });
    after(async () => dispose?.());

    it('keeps tenant names unique with a stable error code', async () => {
      await store.tenants.createTenant('acme');
      await assert.rejects(
        store.tenants.createTenant('acme'),
        (e: HeraldError) => e.code === 'HERALD_ERR_TENANT_EXISTS',
      );
    });

    it('finds API keys by hash only while they are not revoked', async () => {
      const [t] = await twoTenants(store);
      const hash = hashApiKey('hk_example');
      const key = await store.tenants.createApiKey(t, 'sender', 'ci', hash);
      assert.equal((await store.tenants.findApiKeyByHash(hash))?.id, key.id);
      assert.equal(await store.tenants.revokeApiKey(t, key.id), true);
      assert.equal(await store.tenants.findApiKeyByHash(hash), undefined);
    });

    it('stores a batch atomically and keeps tenants apart', async () => {
      const [a, b] = await twoTenants(store);
      const batch = Array.from({ length: 50 }, () => newMessage(a));
      const outcomes = await store.messages.acceptBatch(batch);
      assert.deepEqual(new Set(outcomes.map((o) => o.kind)), new Set(['created']));
      assert.equal((await store.messages.get(a, batch[0]!.id))?.status, 'accepted');
      assert.equal(await store.messages.get(b, batch[0]!.id), undefined, 'another tenant must not see it');
      const jobs = await store.jobs.claim('w', 1000, 10_000);
      assert.ok(
        batch.every((m) => jobs.some((j) => j.ref === m.id && j.kind === 'send')),
        'one outbox job per message',
      );
    });

    it('writes nothing of a batch when one item fails', async () => {
      const [a] = await twoTenants(store);
      const first = newMessage(a);
      await store.messages.acceptBatch([first]);
      const fresh = newMessage(a);
      await assert.rejects(store.messages.acceptBatch([fresh, { ...newMessage(a), id: first.id }]));
      assert.equal(await store.messages.get(a, fresh.id), undefined);
    });

    it('replays an idempotency key with the same body and refuses a different body', async () => {
      const [a, b] = await twoTenants(store);
      const m = newMessage(a, { idempotencyKey: 'order-1', requestHash: 'h1' });
      assert.equal((await store.messages.acceptBatch([m]))[0]!.kind, 'created');
      assert.deepEqual(
        (
          await store.messages.acceptBatch([newMessage(a, { idempotencyKey: 'order-1', requestHash: 'h1' })])
        )[0],
        {
          kind: 'replay',
          messageId: m.id,
        },
      );
      assert.equal(
        (
          await store.messages.acceptBatch([newMessage(a, { idempotencyKey: 'order-1', requestHash: 'h2' })])
        )[0]!.kind,
        'conflict',
      );
      // Keys are per tenant.
      assert.equal(
        (
          await store.messages.acceptBatch([newMessage(b, { idempotencyKey: 'order-1', requestHash: 'h1' })])
        )[0]!.kind,
        'created',
      );
    });

    it('pages through messages newest first without gaps or repeats', async () => {
      const [a] = await twoTenants(store);
      const base = Date.now() - 100_000;
      const batch = Array.from({ length: 25 }, (_, i) =>
        newMessage(a, { createdAt: base + Math.floor(i / 3) }),
      );
      await store.messages.acceptBatch(batch);
      const seen: string[] = [];
      let after: { createdAt: number; id: string } | undefined;
      for (;;) {
        const page = await store.messages.list(a, { limit: 7, ...(after ? { after } : {}) });
        seen.push(...page.map((m) => m.id));
        const last = page.at(-1);
        if (page.length < 7 || !last) break;
        after = { createdAt: last.created_at, id: last.id };
      }
      assert.equal(seen.length, 25);
      assert.equal(new Set(seen).size, 25);
      const blocked = await store.messages.list(a, { limit: 10, status: 'blocked' });
      assert.equal(blocked.length, 0);
    });

    it('leases each due job to one worker at a time, and again after the lease ends', async () => {
      const [a] = await twoTenants(store);
      await store.jobs.claim('drain', 10_000, 60_000); // earlier tests' jobs
      await store.messages.acceptBatch(Array.from({ length: 40 }, () => newMessage(a)));
      const [x, y] = await Promise.all([store.jobs.claim('x', 30, 5_000), store.jobs.claim('y', 30, 5_000)]);
      const ids = [...x, ...y].map((j) => j.id);
      assert.equal(ids.length, 40);
      assert.equal(new Set(ids).size, 40, 'no job claimed twice');
      assert.equal((await store.jobs.claim('z', 100, 5_000)).length, 0, 'leased jobs are not claimable');
      // Ten seconds later (passing the clock in keeps the test independent of machine load).
      const later = Date.now() + 10_000;
      const again = (await store.jobs.claim('z', 1000, 10_000, later)).filter((j) => ids.includes(j.id));
      assert.equal(again.length, 40, 'expired leases are claimable again');
      await store.jobs.complete(again[0]!.id, 'not-the-owner');
      await store.jobs.complete(again[1]!.id, 'z');
      const mine = new Set(again.map((j) => j.id));
      const left = (await store.jobs.claim('q', 1000, 10_000, later + 20_000)).filter((j) => mine.has(j.id));
      assert.equal(left.length, 39, 'only the owner completes a job');
      for (const j of left) await store.jobs.complete(j.id, 'q');
    });

    it('records receipts once, applies one that raced ahead of the send, and keeps final states final', async () => {
      const [a] = await twoTenants(store);
      const m = newMessage(a);
      await store.messages.acceptBatch([m]);
      const row = (await store.messages.get(a, m.id))!;
      await store.delivery.startAttempt(
        row,
        {
          id: 'att_1',
          message_id: m.id,
          tenant_id: a,
          step: 0,
          channel: 'sms',
          tier: 'plaintext',
          content_kind: 'full',
          cost_micros: 7500,
          started_at: Date.now(),
        },
        'w',
      );
      const receipt = {
        channel: 'sms',
        providerMessageId: 'smsc-1',
        status: 'delivered',
        providerStatus: 'DELIVRD',
        at: new Date(),
      } as const;
      assert.notEqual(await store.delivery.recordReceipt(receipt), undefined, 'an early receipt is kept');
      assert.equal(await store.delivery.recordReceipt(receipt), undefined, 'a duplicate is dropped');
      assert.equal((await store.messages.get(a, m.id))!.status, 'sending');
      await store.delivery.attemptAccepted(row, 'att_1', 'smsc-1', Date.now());
      assert.equal((await store.messages.get(a, m.id))!.status, 'delivered');
      const late = { ...receipt, status: 'undelivered', providerStatus: 'UNDELIV' } as const;
      assert.notEqual(await store.delivery.recordReceipt(late), undefined);
      assert.equal(
        (await store.messages.get(a, m.id))!.status,
        'delivered',
        'a late receipt does not reopen a final message',
      );
      const t = await store.messages.timeline(m.id);
      assert.deepEqual(
        t.events.filter((e) => e.type === 'status').map((e) => e.status),
        ['accepted', 'sending', 'sent', 'delivered'],
      );
      assert.equal(t.receipts.length, 2);
      assert.equal(
        (await store.messages.loadForSend(m.id))!.sealed,
        undefined,
        'content is destroyed at a final status',
      );
    });

    it('queues a webhook delivery per endpoint in the same transaction as the state change', async () => {
      const [a] = await twoTenants(store);
      await store.webhooks.createEndpoint(
        a,
        'http://127.0.0.1:1/hook',
        'sealed',
        `whk_${Math.random().toString(36).slice(2)}`,
      );
      const m = newMessage(a, { status: 'blocked', sealedContent: null });
      await store.messages.acceptBatch([m]);
      const deliveries = await store.webhooks.listDeliveries(a);
      assert.equal(deliveries.length, 1);
      assert.equal(deliveries[0]!.event_type, 'message.blocked');
      assert.ok(!deliveries[0]!.payload.includes('sealed'), 'payloads carry metadata only');
    });

    it('queues deliveries only for the event types an endpoint subscribes to', async () => {
      const [a] = await twoTenants(store);
      const id = () => `whk_${Math.random().toString(36).slice(2)}`;
      const finalOnly = id();
      const all = id();
      await store.webhooks.createEndpoint(
        a,
        'http://127.0.0.1:1/a',
        'sealed',
        finalOnly,
        ['message.delivered', 'message.failed'],
        1_000,
      );
      await store.webhooks.createEndpoint(a, 'http://127.0.0.1:1/b', 'sealed', all, null, 2_000);
      await store.messages.acceptBatch([newMessage(a, { status: 'blocked', sealedContent: null })]);
      const deliveries = await store.webhooks.listDeliveries(a);
      assert.deepEqual(
        deliveries.map((d) => [d.endpoint_id, d.event_type]),
        [[all, 'message.blocked']],
        'the endpoint for final deliveries does not get message.blocked',
      );
      const listed = await store.webhooks.listEndpoints(a);
      assert.deepEqual(
        listed.map((e) => e.events),
        [['message.delivered', 'message.failed'], null],
      );
    });
  });
}
