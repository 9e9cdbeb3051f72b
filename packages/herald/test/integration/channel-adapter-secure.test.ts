// The ChannelAdapter contract for the `secure` channel. Its "provider" is the Delivery Service
// over a real database (PostgreSQL when HERALD_TEST_PG_URL is set, else SQLite), and its
// recipients are real MLS members: the sender's SDK side encrypts each message for the group,
// and the recipient's device fetches and acknowledges it, which is the delivery receipt.
import type { TestContext } from 'node:test';
import pg from 'pg';
import { SecureAdapter } from '../../src/channels/secure/secure-adapter.ts';
import type { OutboundMessage } from '../../src/channels/channel-adapter.ts';
import type { DevicePrincipal } from '../../src/keys/device-principal.ts';
import { encodeBase64 } from '../../src/tlog/base64.ts';
import { testDatabases } from '../support/databases.ts';
import { secureRig, type TestDevice } from '../support/secure-harness.ts';
import { channelAdapterContract, type ContractRig } from './channel-adapter.contract.ts';
import { testMessage } from './channel-adapter.helpers.ts';

const databases = testDatabases();
const db = (databases.find((d) => d.name === 'postgres')?.db ?? databases[0]!.db)!;
const onPostgres = db.name === 'postgres';

const principal = (d: TestDevice): DevicePrincipal => ({
  tenantId: d.tenantId,
  userId: d.userId,
  deviceId: d.deviceId,
});

async function secureContractRig(t: TestContext): Promise<ContractRig> {
  const { store, url, dispose } = await db.open();
  const rig = await secureRig(store, { limits: { maxQueueLength: 4 } });
  // Counts the requests that reach the Delivery Service (the contract's providerRequests).
  let requests = 0;
  const adapter = new SecureAdapter({
    delivery: { deliverToUser: (d) => (requests++, rig.channel.service.deliverToUser(d)) },
  });
  await adapter.start();

  // One group per recipient, each with its own sender device (the SDK's sending side).
  const groups = new Map<string, { sender: TestDevice; groupId: string }>();
  const recipients: Record<string, TestDevice> = {};
  for (const user of ['bob', 'carol', 'dave']) {
    const [sender, recipient] = await Promise.all([
      rig.device('svc-billing', `svc-${user}`),
      rig.device(user, `${user}-phone`),
    ]);
    const groupId = await sender.createGroup();
    await sender.add(groupId, [[recipient, 1]]);
    await sender.sync();
    groups.set(`user:${user}`, { sender, groupId });
    recipients[user] = recipient;
  }
  // mallory has no device in bob's group: the recipient cannot be reached there.
  groups.set('user:mallory', groups.get('user:bob')!);
  // carol never fetches: her inbox (the Welcome and three messages) is full.
  const carolGroup = groups.get('user:carol')!;
  for (let i = 0; i < 3; i++)
    await carolGroup.sender.request('POST', `/v1/groups/${encodeURIComponent(carolGroup.groupId)}/messages`, {
      message: await carolGroup.sender.encrypt(`fill ${i}`),
    });

  // On PostgreSQL another session holds dave's group row: a send to dave waits on its lock.
  let holder: pg.Client | undefined;
  if (onPostgres) {
    holder = new pg.Client({ connectionString: url });
    await holder.connect();
    await holder.query('begin');
    await holder.query('select 1 from secure_groups where group_id = $1 for update', [
      groups.get('user:dave')!.groupId,
    ]);
  }

  // bob's device: fetches whenever its inbox grows, remembers what it got, acknowledges.
  const bob = principal(recipients['bob']!);
  const received: string[] = [];
  let cursor = 0;
  let idle: Promise<void> = Promise.resolve();
  const unsubscribe = rig.channel.signal.subscribe(bob.deviceId, () => {
    idle = idle.then(async () => {
      const items = await rig.channel.inbox.fetch(bob, cursor, 100);
      if (items.length === 0) return;
      cursor = items.at(-1)!.seq;
      await rig.channel.inbox.ack(bob, cursor);
      received.push(...items.map((i) => encodeBase64(i.message)));
    });
  });

  t.after(async () => {
    unsubscribe();
    await idle;
    await adapter.close();
    if (holder) {
      await holder.query('rollback');
      await holder.end();
    }
    await rig.close();
    await dispose();
  });

  return {
    adapter,
    receipts: rig.receipts,
    to: { ok: 'user:bob', permanent: 'user:mallory', retryable: 'user:carol', slow: 'user:dave' },
    stableProviderId: true,
    async message(to: string): Promise<OutboundMessage> {
      const { sender, groupId } = groups.get(to)!;
      const message = await sender.encrypt('Your code is 123456');
      return testMessage(to, { tenantId: sender.tenantId, body: '', mls: { groupId, message } });
    },
    async shown(m: OutboundMessage) {
      await idle;
      const pending = await store.conn.db
        .selectFrom('secure_queue')
        .select('seq')
        .where('device_id', '=', bob.deviceId)
        .where('message_id', '=', m.messageId)
        .execute();
      return pending.length + received.filter((r) => r === m.mls!.message).length;
    },
    providerRequests: () => requests,
  };
}

channelAdapterContract('secure (Delivery Service, MLS members)', secureContractRig, {
  noBadResponses:
    'the Delivery Service runs in process over the database; there is no provider answer to corrupt',
  ...(onPostgres
    ? {}
    : {
        noSlowSend:
          'on SQLite a held write lock blocks the event loop (better-sqlite3 is synchronous); run with PostgreSQL',
      }),
});
