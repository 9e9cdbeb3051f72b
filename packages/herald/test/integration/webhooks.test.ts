import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import type { Dispatcher } from '../../src/delivery/dispatcher.ts';
import type { Store } from '../../src/storage/store.ts';
import { apiHarness } from '../support/api-harness.ts';
import { testDatabases } from '../support/databases.ts';
import { eventually, testDispatcher } from '../support/dispatcher-harness.ts';

const { db } = testDatabases()[0]!;

describe('customer webhooks', () => {
  let store: Store;
  let dispose: () => Promise<void>;
  let receiver: Server;
  let dispatcher: Dispatcher;
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  let failuresLeft = 2;

  before(async () => {
    ({ store, dispose } = await db!.open());
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (failuresLeft-- > 0) {
          res.writeHead(503).end();
          return;
        }
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    await dispatcher?.stop();
    await new Promise((r) => receiver.close(r));
    await dispose();
  });

  it('signs deliveries so the standardwebhooks library verifies them, retrying failures', async () => {
    const h = await apiHarness(store);
    const admin = await h.keyFor('acme', 'admin');
    const auth = { authorization: `Bearer ${admin}` };
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    const created = await h.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: auth,
      payload: { url },
    });
    assert.equal(created.statusCode, 201);
    const { secret } = created.json();
    assert.match(secret, /^whsec_/);
    const listed = (await h.app.inject({ method: 'GET', url: '/v1/webhooks', headers: auth })).json();
    assert.equal(JSON.stringify(listed).includes(secret.slice(6)), false, 'the secret is shown once only');

    const sent = await h.app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: auth,
      payload: { to: '+15550000001', content: { text: 'canary-7f3a' }, classification: 'restricted' },
    });
    assert.equal(sent.json().status, 'blocked');

    dispatcher = testDispatcher(store, h.box);
    dispatcher.start();
    const hit = await eventually(async () => received[0], 10_000, 'a webhook delivery');
    const payload = new Webhook(secret).verify(hit.body, hit.headers as Record<string, string>) as {
      type: string;
      data: { id: string; status: string };
    };
    assert.equal(payload.type, 'message.blocked');
    assert.equal(payload.data.id, sent.json().id);
    assert.equal(hit.body.includes('canary-7f3a'), false, 'webhooks carry no content');
    assert.throws(() =>
      new Webhook(secret).verify(
        hit.body.replace('blocked', 'delivrd'),
        hit.headers as Record<string, string>,
      ),
    );

    // The receiver has answered; Herald records the outcome right after.
    const deliveries = await eventually(
      async () => {
        const d = (
          await h.app.inject({ method: 'GET', url: '/v1/webhooks/deliveries', headers: auth })
        ).json().data;
        return d[0]?.status === 'delivered' ? d : undefined;
      },
      10_000,
      'the delivery to be recorded',
    );
    assert.equal(deliveries[0].status, 'delivered');
    assert.equal(deliveries[0].attempts, 3, 'two 503s, then success');

    const replay = await h.app.inject({
      method: 'POST',
      url: `/v1/webhooks/deliveries/${deliveries[0].id}/replay`,
      headers: auth,
    });
    assert.equal(replay.statusCode, 202);
    const again = await eventually(async () => received[1], 10_000, 'the replayed delivery');
    assert.equal(
      again.headers['webhook-id'],
      hit.headers['webhook-id'],
      'a replay keeps its webhook-id so receivers de-duplicate',
    );
  });

  it('registers an endpoint for chosen event types and rejects unknown, duplicate or empty filters', async () => {
    const h = await apiHarness(store);
    const auth = { authorization: `Bearer ${await h.keyFor('filters', 'admin')}` };
    const register = (events: unknown) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/webhooks',
        headers: auth,
        payload: { url: 'https://hooks.example/h', events },
      });
    for (const bad of [[], ['message.delivrd'], ['message.failed', 'message.failed']]) {
      const r = await register(bad);
      assert.equal(r.statusCode, 400, JSON.stringify(bad));
      assert.equal(r.json().error.code, 'HERALD_ERR_WEBHOOK_INVALID_EVENTS');
    }
    assert.equal(
      (await h.app.inject({ method: 'GET', url: '/v1/webhooks', headers: auth })).json().data.length,
      0,
      'nothing is registered by a rejected request',
    );

    const doc = (await h.app.inject('/openapi.json')).json();
    const events =
      doc.paths['/v1/webhooks'].post.requestBody.content['application/json'].schema.properties.events;
    assert.equal(events.type, 'array', 'the OpenAPI document describes the filter');
    assert.match(events.description, /message\.delivered/);

    const ok = await register(['message.failed', 'message.delivered']);
    assert.equal(ok.statusCode, 201);
    assert.deepEqual(ok.json().events, ['message.delivered', 'message.failed']);
    const all = await h.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: auth,
      payload: { url: 'https://hooks.example/all' },
    });
    assert.equal(all.json().events, null, 'no filter: every event');
    const listed = (await h.app.inject({ method: 'GET', url: '/v1/webhooks', headers: auth })).json().data;
    assert.deepEqual(listed.map((e: { url: string; events: unknown }) => [e.url, e.events]).sort(), [
      ['https://hooks.example/all', null],
      ['https://hooks.example/h', ['message.delivered', 'message.failed']],
    ]);
  });
});
