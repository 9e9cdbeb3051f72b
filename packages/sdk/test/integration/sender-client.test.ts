import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { apiHarness } from '../../../herald/test/support/api-harness.ts';
import { testDatabases } from '../../../herald/test/support/databases.ts';
import { createHerald, isHeraldApiError, isHeraldSdkError, type HeraldClient } from '../../src/index.ts';

const { db } = testDatabases()[0]!;

describe('sender client against the real API', () => {
  let app: FastifyInstance;
  let dispose: () => Promise<void>;
  let baseUrl: string;
  let herald: HeraldClient;
  let requests = 0;

  before(async () => {
    const opened = await db!.open();
    dispose = opened.dispose;
    const h = await apiHarness(opened.store);
    app = h.app;
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    const apiKey = await h.keyFor('acme', 'sender');
    herald = createHerald({
      baseUrl,
      apiKey,
      fetch: (url, init) => {
        requests++;
        return fetch(url, init);
      },
    });
  });
  after(async () => {
    await app.close();
    await dispose();
  });

  it('sends, gets and lists a message with typed results', async () => {
    const sent = await herald.messages.send({
      to: '+15550000001',
      content: { text: 'Your code is 1234' },
      classification: 'internal',
      labels: { team: 'billing' },
    });
    assert.match(sent.id, /^msg_/);
    assert.equal(sent.status, 'accepted');
    assert.equal(sent.replayed, false);
    assert.ok(sent.decision.route.length > 0);
    const detail = await herald.messages.get(sent.id);
    assert.equal(detail.id, sent.id);
    assert.equal(detail.to, '+15550000001');
    assert.deepEqual(detail.labels, { team: 'billing' });
    const page = await herald.messages.list({ limit: 10 });
    assert.ok(page.data.some((m) => m.id === sent.id));
  });

  it('marks a replayed send (same idempotency key) and returns the first message', async () => {
    const req = {
      to: '+15550000002',
      content: { text: 'once' },
      classification: 'internal' as const,
      idempotencyKey: 'order-42',
    };
    const first = await herald.messages.send(req);
    const again = await herald.messages.send(req);
    assert.equal(again.id, first.id);
    assert.equal(again.replayed, true);
  });

  it("surfaces the server's refusals as HeraldApiError with its stable code", async () => {
    await assert.rejects(
      herald.messages.send({
        to: '+15550000003',
        content: { text: 'x' },
        classification: 'internal',
        retention: 'NOT VALID',
      }),
      (e: unknown) => isHeraldApiError(e, 'HERALD_ERR_API_VALIDATION') && e.status === 400 && !e.retryable,
    );
    await assert.rejects(
      herald.messages.get('msg_00000000000000000000000000'),
      (e: unknown) => isHeraldApiError(e) && e.status === 404 && e.code.startsWith('HERALD_ERR_'),
    );
    const wrongKey = createHerald({ baseUrl, apiKey: `hk_${'x'.repeat(43)}` });
    await assert.rejects(
      wrongKey.messages.list(),
      (e: unknown) => isHeraldApiError(e, 'HERALD_ERR_AUTH_INVALID') && e.status === 401,
    );
  });

  it('refuses bad input before any request, and a secure send without a device client', async () => {
    const before = requests;
    await assert.rejects(
      herald.messages.send({ to: '+15550000004', content: { text: '' }, classification: 'internal' }),
      (e: unknown) => isHeraldSdkError(e, 'HERALD_SDK_INVALID_ARGUMENT'),
    );
    await assert.rejects(
      herald.messages.send({
        to: '+15550000004',
        content: { text: 'x' },
        classification: 'secret' as 'public',
      }),
      (e: unknown) => isHeraldSdkError(e, 'HERALD_SDK_INVALID_ARGUMENT'),
    );
    await assert.rejects(herald.messages.get('../admin'), (e: unknown) =>
      isHeraldSdkError(e, 'HERALD_SDK_INVALID_ARGUMENT'),
    );
    await assert.rejects(
      herald.messages.send({
        to: { userId: 'alice' },
        content: { text: 'secret' },
        classification: 'restricted',
      }),
      (e: unknown) => isHeraldSdkError(e, 'HERALD_SDK_SECURE_NOT_CONFIGURED'),
    );
    assert.equal(requests, before);
  });

  it('reports an unreachable server as a retryable network error', async () => {
    const closed = createHerald({ baseUrl: 'http://127.0.0.1:9', apiKey: 'hk_x' });
    await assert.rejects(
      closed.messages.list(),
      (e: unknown) => isHeraldSdkError(e, 'HERALD_SDK_NETWORK') && e.isRetryable,
    );
  });
});
