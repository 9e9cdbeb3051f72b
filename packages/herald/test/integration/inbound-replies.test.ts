import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { InboundEvent } from '../../src/channels/channel-adapter.ts';
import { SecretBox } from '../../src/crypto/secret-box.ts';
import { InboundStore } from '../../src/inbound/inbound-store.ts';
import type { Store } from '../../src/storage/store.ts';
import { testDatabases } from '../support/databases.ts';
import { newMessage, twoTenants } from '../support/fixtures.ts';
import { kill, startHeraldProcess } from '../support/herald-process.ts';

const reply = (over: Partial<InboundEvent> = {}): InboundEvent => ({
  channel: 'rcs',
  kind: 'text',
  from: '+15550000123',
  providerEventId: `um-${randomBytes(6).toString('hex')}`,
  text: 'canary-reply-7f3e',
  at: new Date(),
  ...over,
});

for (const { db, name } of testDatabases()) {
  describe(`inbound replies: ${name}`, { skip: db ? false : 'HERALD_TEST_PG_URL is not set' }, () => {
    let store: Store;
    let dispose: () => Promise<void>;
    let inbound: InboundStore;
    before(async () => {
      ({ store, dispose } = await db!.open());
      inbound = new InboundStore(store.conn.db, store.tx, new SecretBox(randomBytes(32)));
    });
    after(() => dispose());

    async function sentOn(tenant: string, to: string, channel: string) {
      const m = newMessage(tenant, { recipient: to });
      await store.messages.acceptBatch([m]);
      await store.conn.db
        .insertInto('attempts')
        .values({
          id: `att_${randomBytes(6).toString('hex')}`,
          message_id: m.id,
          tenant_id: tenant,
          step: 0,
          channel,
          tier: 'transport',
          content_kind: 'full',
          provider_message_id: null,
          status: 'sent',
          error_code: null,
          cost_micros: 0,
          started_at: Date.now(),
          finished_at: null,
        })
        .execute();
      return m.id;
    }

    it('gives a reply to the tenant whose message the sender last got on that channel, once', async () => {
      const [a, b] = await twoTenants(store);
      await store.webhooks.createEndpoint(
        a,
        'http://127.0.0.1:1/hook',
        'sealed',
        `whk_${randomBytes(6).toString('hex')}`,
      );
      await sentOn(b, '+15550000123', 'rcs');
      const latest = await sentOn(a, '+15550000123', 'rcs');
      await sentOn(b, '+15550000123', 'sms'); // another channel: not the conversation

      const event = reply();
      const first = await inbound.record(event);
      assert.equal(first.kind, 'recorded');
      assert.deepEqual(await inbound.record(event), { kind: 'duplicate' }, 'a redelivery is recorded once');

      const got = await inbound.get(a, (first as { id: string }).id);
      assert.equal(got?.inReplyTo, latest);
      assert.equal(got?.text, 'canary-reply-7f3e');
      assert.equal(await inbound.get(b, (first as { id: string }).id), undefined, 'tenants are isolated');

      const hooks = (await store.webhooks.listDeliveries(a)).filter(
        (d) => d.event_type === 'message.received',
      );
      assert.equal(hooks.length, 1);
      assert.ok(!hooks[0]!.payload.includes('canary'), 'the webhook names the reply, not its text');
      const rows = await store.conn.db.selectFrom('inbound_messages').selectAll().execute();
      assert.ok(!JSON.stringify(rows).includes('canary'), 'the text is sealed at rest');
    });

    it('deletes replies whose retention is over, in batches, and keeps the rest', async () => {
      const [a] = await twoTenants(store);
      await sentOn(a, '+15550000124', 'rcs');
      const old = new Date('2001-02-03T04:05:06Z');
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await inbound.record(reply({ from: '+15550000124', at: old }));
        ids.push((r as { id: string }).id);
      }
      const fresh = (await inbound.record(reply({ from: '+15550000124' }))) as { id: string };
      assert.equal(await inbound.expire(Date.parse('2002-01-01'), 2), 3, 'three expired, two batches');
      for (const id of ids) assert.equal(await inbound.get(a, id), undefined);
      assert.equal((await inbound.get(a, fresh.id))?.text, 'canary-reply-7f3e');
      assert.equal(await inbound.expire(Date.parse('2002-01-01')), 0, 'nothing left to expire');
    });

    it('keeps nothing for typing indicators or replies from addresses never written to', async () => {
      assert.deepEqual(await inbound.record(reply({ from: '+15550000999' })), { kind: 'unmatched' });
      assert.deepEqual(await inbound.record(reply({ kind: 'typing' })), { kind: 'ignored' });
    });
  });
}

describe('inbound replies through the sandbox', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startHeraldProcess>>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-inbound-'));
    server = await startHeraldProcess({ HERALD_DATA_DIR: dir }, ['serve', '--sandbox']);
  });
  after(async () => {
    await kill(server.child, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('turns an RCS tapped suggestion and an SMS answer into replies the sender can read', async () => {
    // Every adapter (the secure one included) is started, so the sandbox becomes ready.
    let ready = 0;
    for (let i = 0; i < 50 && ready !== 200; i++) {
      ready = (await fetch(`${server.url}/readyz`)).status;
      if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(ready, 200, 'the sandbox gateway reports ready');
    const key = readFileSync(join(dir, 'sandbox.key'), 'utf8').trim();
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const sent = await fetch(`${server.url}/v1/messages`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        to: '+15550000108',
        content: { text: 'Shall we?' },
        classification: 'internal',
      }),
    });
    assert.equal(sent.status, 202);
    const { id } = (await sent.json()) as { id: string };
    let items: { id: string; inReplyTo: string; kind: string; channel: string }[] = [];
    for (let i = 0; i < 100 && items.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      items = (
        (await (await fetch(`${server.url}/v1/inbound`, { headers })).json()) as { items: typeof items }
      ).items;
    }
    assert.equal(items.length, 1, 'the sandbox number replies once');
    assert.deepEqual(
      { inReplyTo: items[0]!.inReplyTo, kind: items[0]!.kind, channel: items[0]!.channel },
      { inReplyTo: id, kind: 'suggestion', channel: 'rcs' },
    );
    const one = (await (
      await fetch(`${server.url}/v1/inbound/${items[0]!.id}`, { headers })
    ).json()) as Record<string, unknown>;
    assert.equal(one['text'], 'Yes');
    assert.equal(one['postbackData'], 'yes');

    // An SMS-only number whose handset answers STOP: a mobile-originated deliver_sm over SMPP.
    const sms = await fetch(`${server.url}/v1/messages`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        to: '+15550000011',
        content: { text: 'Reply STOP to opt out' },
        classification: 'internal',
      }),
    });
    const smsId = ((await sms.json()) as { id: string }).id;
    let stop: (typeof items)[number] | undefined;
    for (let i = 0; i < 100 && stop === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const all = (
        (await (await fetch(`${server.url}/v1/inbound`, { headers })).json()) as { items: typeof items }
      ).items;
      stop = all.find((x) => x.channel === 'sms');
    }
    assert.equal(stop?.inReplyTo, smsId);
    const stopText = (await (
      await fetch(`${server.url}/v1/inbound/${stop.id}`, { headers })
    ).json()) as Record<string, unknown>;
    assert.equal(stopText['text'], 'STOP');

    // Retention: a worker deletes replies older than HERALD_INBOUND_RETENTION, first at start.
    await kill(server.child, 'SIGTERM');
    const db = new Database(join(dir, 'herald.db'));
    db.prepare('update inbound_messages set received_at = ? where id = ?').run(
      Date.now() - 7_200_000,
      stop.id,
    );
    db.close();
    server = await startHeraldProcess({ HERALD_DATA_DIR: dir, HERALD_INBOUND_RETENTION: '1h' }, [
      'serve',
      '--sandbox',
    ]);
    let left: typeof items = [];
    for (let i = 0; i < 100; i++) {
      left = (
        (await (await fetch(`${server.url}/v1/inbound`, { headers })).json()) as { items: typeof items }
      ).items;
      if (left.length === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(
      left.map((x) => x.id),
      [items[0]!.id],
      'the two-hour-old reply is gone, the new one stays',
    );

    const missing = await fetch(`${server.url}/v1/inbound/inb_nope`, { headers });
    assert.equal(missing.status, 404);
    assert.equal(
      ((await missing.json()) as { error: { code: string } }).error.code,
      'HERALD_ERR_INBOUND_NOT_FOUND',
    );
  });
});
