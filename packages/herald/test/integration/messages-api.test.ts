import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../src/storage/store.ts';
import { apiHarness } from '../support/api-harness.ts';
import { testDatabases } from '../support/databases.ts';

const { db } = testDatabases()[0]!;

describe('messages API', () => {
  let store: Store;
  let dispose: () => Promise<void>;
  let app: FastifyInstance;
  let sender: string;
  let auditor: string;
  let other: string;
  const post = (key: string, body: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const get = (key: string, url: string) =>
    app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
  const hello = { to: '+15550000001', content: { text: 'hello' }, classification: 'internal' };
  const count = async () =>
    Number(
      (
        await store.conn.db
          .selectFrom('messages')
          .select((e) => e.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  before(async () => {
    ({ store, dispose } = await db!.open());
    const h = await apiHarness(store);
    app = h.app;
    sender = await h.keyFor('acme', 'sender');
    auditor = await h.keyFor('acme', 'auditor');
    other = await h.keyFor('globex', 'sender');
  });
  after(async () => {
    await app.close();
    await dispose();
  });

  it('refuses requests without a valid key', async () => {
    const none = await app.inject({ method: 'POST', url: '/v1/messages', payload: hello });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().error.code, 'HERALD_ERR_AUTH_MISSING');
    const bad = await post('hk_' + 'x'.repeat(43), hello);
    assert.equal(bad.json().error.code, 'HERALD_ERR_AUTH_INVALID');
    const forbidden = await post(auditor, hello);
    assert.equal(forbidden.statusCode, 403);
    assert.equal(forbidden.json().error.code, 'HERALD_ERR_AUTH_FORBIDDEN');
  });

  it('accepts a message durably and shows its decision and timeline', async () => {
    const res = await post(sender, { ...hello, labels: { function: 'alerts', region: 'eu' }, ttl: 600 });
    assert.equal(res.statusCode, 202);
    const body = res.json();
    assert.match(body.id, /^msg_[0-9a-z]{26}$/);
    assert.equal(body.status, 'accepted');
    assert.equal(body.decision.outcome, 'allow');
    assert.deepEqual(body.decision.route, [{ channel: 'sms', content: 'full', tier: 'plaintext' }]);
    const detail = (await get(sender, `/v1/messages/${body.id}`)).json();
    assert.equal(detail.status, 'accepted');
    assert.equal(detail.decision.rule, 'builtin/sms');
    assert.deepEqual(detail.labels, { function: 'alerts', region: 'eu' });
    assert.equal(detail.timeline[0].status, 'accepted');
    assert.ok(detail.expiresAt);
    assert.equal(JSON.stringify(detail).includes('hello'), false, 'the timeline carries no content');
  });

  it('blocks confidential content that only SMS could carry, and records it', async () => {
    const res = await post(sender, { ...hello, classification: 'confidential' });
    assert.equal(res.statusCode, 202);
    assert.equal(res.json().status, 'blocked');
    assert.equal(res.json().decision.outcome, 'block');
    const stored = await store.messages.loadForSend(res.json().id);
    assert.equal(stored?.sealed, undefined, 'no content is kept for a blocked message');
  });

  it('answers a replay with the same answer and refuses a reused key with another body', async () => {
    const first = await post(sender, { ...hello, idempotencyKey: 'order-42' });
    const again = await post(sender, { ...hello, idempotencyKey: 'order-42' });
    assert.equal(again.statusCode, 202);
    assert.deepEqual(again.json(), first.json());
    assert.equal(again.headers['idempotent-replayed'], 'true');
    const viaHeader = await post(sender, hello, { 'idempotency-key': 'order-42' });
    assert.deepEqual(viaHeader.json(), first.json());
    const reused = await post(sender, { ...hello, content: { text: 'other' }, idempotencyKey: 'order-42' });
    assert.equal(reused.statusCode, 409);
    assert.equal(reused.json().error.code, 'HERALD_ERR_IDEMPOTENCY_KEY_REUSED');
    const otherTenant = await post(other, { ...hello, idempotencyKey: 'order-42' });
    assert.notEqual(otherTenant.json().id, first.json().id, 'keys are per tenant');
  });

  it('refuses an over-long Idempotency-Key header with HERALD_ERR_API_VALIDATION and writes nothing', async () => {
    const before = await count();
    const res = await post(sender, hello, { 'idempotency-key': 'k'.repeat(256) });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'HERALD_ERR_API_VALIDATION');
    assert.equal(await count(), before);
    assert.equal((await post(sender, hello, { 'idempotency-key': 'k'.repeat(255) })).statusCode, 202);
  });

  it('answers 409 with Retry-After while the same key is in flight', async () => {
    const [a, b] = await Promise.all([
      post(sender, { ...hello, idempotencyKey: 'race-1' }),
      post(sender, { ...hello, idempotencyKey: 'race-1' }),
    ]);
    const codes = [a.statusCode, b.statusCode].sort();
    assert.deepEqual(codes, [202, 409]);
    const conflict = a.statusCode === 409 ? a : b;
    assert.equal(conflict.json().error.code, 'HERALD_ERR_IDEMPOTENCY_IN_FLIGHT');
    assert.equal(conflict.headers['retry-after'], '1');
  });

  const bad: Array<[string, unknown, number, string]> = [
    ['malformed JSON', '{"to": "+1555', 400, 'HERALD_ERR_API_MALFORMED_JSON'],
    ['an unknown field', { ...hello, priority: 'high' }, 400, 'HERALD_ERR_API_VALIDATION'],
    ['a wrong type', { ...hello, ttl: '60' }, 400, 'HERALD_ERR_API_VALIDATION'],
    ['a missing field', { to: hello.to, content: hello.content }, 400, 'HERALD_ERR_API_VALIDATION'],
    ['an unknown classification', { ...hello, classification: 'secret' }, 400, 'HERALD_ERR_API_VALIDATION'],
    ['an invalid number', { ...hello, to: '+0123' }, 400, 'HERALD_ERR_MESSAGE_INVALID_RECIPIENT'],
    ['an invalid address', { ...hello, to: 'not an address' }, 400, 'HERALD_ERR_MESSAGE_INVALID_RECIPIENT'],
    [
      'an unknown retention class',
      { ...hello, retention: 'forever' },
      400,
      'HERALD_ERR_MESSAGE_UNKNOWN_RETENTION',
    ],
    [
      'an oversized body',
      { ...hello, content: { text: 'x'.repeat(70_000) } },
      413,
      'HERALD_ERR_API_BODY_TOO_LARGE',
    ],
    [
      'too long a text',
      { ...hello, content: { text: 'x'.repeat(10_001) } },
      400,
      'HERALD_ERR_API_VALIDATION',
    ],
    [
      'too many labels',
      { ...hello, labels: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v'])) },
      400,
      'HERALD_ERR_API_VALIDATION',
    ],
  ];
  for (const [what, body, status, code] of bad) {
    it(`refuses ${what} with ${code} and writes nothing`, async () => {
      const before = await count();
      const res = await post(sender, body);
      assert.equal(res.statusCode, status);
      assert.equal(res.json().error.code, code);
      assert.equal(typeof res.json().error.requestId, 'string');
      assert.equal(await count(), before);
    });
  }

  it('keeps tenants apart', async () => {
    const id = (await post(sender, hello)).json().id;
    const res = await get(other, `/v1/messages/${id}`);
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'HERALD_ERR_MESSAGE_NOT_FOUND');
    const list = (await get(other, '/v1/messages?limit=200')).json();
    assert.ok(list.data.every((m: { id: string }) => m.id !== id));
  });

  it('lists with a status filter and cursor pagination', async () => {
    for (let i = 0; i < 5; i++) await post(sender, hello);
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: { data: Array<{ id: string }>; nextCursor: string | null } = (
        await get(auditor, `/v1/messages?limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      for (const m of page.data) seen.add(m.id);
      cursor = page.nextCursor;
    } while (cursor);
    assert.ok(seen.size >= 5);
    const blocked = (await get(auditor, '/v1/messages?status=blocked')).json();
    assert.ok(
      blocked.data.length >= 1 && blocked.data.every((m: { status: string }) => m.status === 'blocked'),
    );
    const badCursor = await get(auditor, '/v1/messages?cursor=nonsense');
    assert.equal(badCursor.json().error.code, 'HERALD_ERR_MESSAGE_INVALID_CURSOR');
  });

  it('serves the OpenAPI 3.1 document and the docs page without a key', async () => {
    const doc = (await app.inject('/openapi.json')).json();
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/v1/messages'].post);
    assert.ok(doc.paths['/v1/messages/{id}'].get);
    const page = await app.inject('/docs/');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /swagger/i);
    assert.equal((await app.inject('/healthz')).statusCode, 200);
    assert.equal((await app.inject('/readyz')).statusCode, 200);
  });

  it('answers unknown routes with a stable code', async () => {
    const res = await get(sender, '/v1/nothing');
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'HERALD_ERR_API_NOT_FOUND');
  });
});
