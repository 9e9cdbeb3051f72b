import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../src/storage/store.ts';
import { testDatabases } from '../support/databases.ts';
import { newMessage, twoTenants } from '../support/fixtures.ts';

// The accept writer thread (ADR 13) writes with its own connection to the SQLite file; these
// check what the TransactionRunner promises around it.
const sqlite = testDatabases().find((d) => d.name === 'sqlite')!.db!;

describe('accept writer thread (SQLite)', () => {
  let store: Store;
  let dispose: () => Promise<void>;
  before(async () => ({ store, dispose } = await sqlite.open()));
  after(async () => dispose?.());

  const countMessages = async (trx: Pick<Store['conn']['db'], 'selectFrom'>) =>
    Number(
      (
        await trx
          .selectFrom('messages')
          .select((e) => e.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('orders its batch among the runner’s own transactions', async () => {
    const [a] = await twoTenants(store);
    const before = await countMessages(store.conn.db);
    const batch = Array.from({ length: 20 }, () => newMessage(a));
    // Queued after the batch: it must run once the thread has committed, not alongside it.
    const [outcomes, seen] = await Promise.all([
      store.messages.acceptBatch(batch),
      store.tx.run((trx) => countMessages(trx)),
    ]);
    assert.equal(outcomes.length, 20);
    assert.equal(seen, before + 20);
  });

  it('writes a blocked message’s audit entry in the same transaction', async () => {
    const [a] = await twoTenants(store);
    const m = newMessage(a, { status: 'blocked', sealedContent: null });
    await store.messages.acceptBatch([m]);
    const audit = await store.conn.db
      .selectFrom('audit_events')
      .select(['action', 'tenant_id'])
      .where('target', '=', m.id)
      .execute();
    assert.deepEqual(audit, [{ action: 'message.blocked', tenant_id: a }]);
  });

  it('reports a failed batch with SQLite’s error code and writes none of it', async () => {
    const [a] = await twoTenants(store);
    const first = newMessage(a);
    await store.messages.acceptBatch([first]);
    const before = await countMessages(store.conn.db);
    await assert.rejects(store.messages.acceptBatch([newMessage(a), { ...newMessage(a), id: first.id }]), {
      code: 'SQLITE_CONSTRAINT_PRIMARYKEY',
    });
    assert.equal(await countMessages(store.conn.db), before);
    // The thread and its connection still work after a failure.
    assert.equal((await store.messages.acceptBatch([newMessage(a)]))[0]!.kind, 'created');
  });
});
