// A transparency log publishes a checkpoint only once the commit that wrote it is durable: on
// SQLite the sequencer commits without an fsync of its own, so a checkpoint served before the WAL
// reached the disk could vanish in a power loss while clients hold it, and the log could regrow
// differently (a split view). These tests hold the flush, fail it, and go through the store's
// real transaction runner and the HTTP API.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuditLog, recordAudit } from '../../src/audit/audit-log.ts';
import { isHeraldError } from '../../src/errors/index.ts';
import { openRecordLogs } from '../../src/journal/record-logs.ts';
import type { Store } from '../../src/storage/store.ts';
import { generateNoteKey, openCheckpoint, parseSignerKey, parseVerifierKey } from '../../src/tlog/index.ts';
import { apiHarness } from '../support/api-harness.ts';
import { testDatabases } from '../support/databases.ts';
import { sampleRecord } from './journal-harness.ts';

const ORIGIN = 'herald.test/audit';
const T = 'ten_durable';
const notDurable = (err: unknown) =>
  isHeraldError(err) &&
  err.code === 'HERALD_ERR_TLOG_NOT_DURABLE' &&
  /herald\.\w+\/\w+ checkpoint at size \d+ is not published: .*\(EIO\)/.test(err.message);
/** Waits for `cond`, failing (not hanging) when it does not come true within five seconds. */
async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (const end = Date.now() + 5000; !cond(); await new Promise((r) => setTimeout(r, 5)))
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}
const eio = () => Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });

// SQLite only: it is the dialect whose commits are not durable by themselves (a PostgreSQL
// commit is; there the store's flush is a no-op and the same code path runs in every other test).
const sqlite = testDatabases().find((d) => d.name === 'sqlite')!.db!;

describe('checkpoint durability (SQLite)', () => {
  let store: Store;
  let dispose: () => Promise<void>;
  before(async () => {
    ({ store, dispose } = await sqlite.open());
  });
  after(() => dispose());

  const key = generateNoteKey(ORIGIN);
  const trust = { origin: ORIGIN, verifiers: [parseVerifierKey(key.verifierKey)] };
  const auditLog = (flush: () => Promise<void>) =>
    new AuditLog({
      db: store.conn.db,
      dialect: store.dialect,
      origin: ORIGIN,
      signer: parseSignerKey(key.signerKey),
      flush,
    });
  const record = async (n: number) => {
    for (let i = 0; i < n; i++)
      await recordAudit(store.conn.db, {
        actor: { id: 'key_a', role: 'admin' },
        action: 'key.create',
        target: `k${i}`,
      });
  };
  const storedSizes = async () =>
    (
      await store.conn.db.selectFrom('tlog_checkpoints').select('size').where('log_id', '=', ORIGIN).execute()
    ).map((r) => Number(r.size));

  it('returns and serves a checkpoint only after a flush that followed its commit resolved', async () => {
    // A flush the test releases by hand; each call is one fsync in flight.
    const held: Array<() => void> = [];
    const flush = () => new Promise<void>((resolve) => held.push(resolve));
    const writer = auditLog(flush);
    // A second instance: another request path or process reading the same database.
    const reader = auditLog(flush);
    await record(3);
    let returned: string | undefined;
    const sequenced = writer.log.sequence().then((r) => (returned = r.checkpoint));
    await waitFor(() => held.length === 1 || returned !== undefined, 'the sequencer to flush');
    assert.equal(returned, undefined, 'the sequencer returned its checkpoint without a flush');
    // The batch is committed: the row is there for anyone who reads the table ...
    assert.deepEqual(await storedSizes(), [3]);
    // ... but neither the sequencer nor a reader hands it out before the flush ends.
    let served: string | undefined;
    const reading = reader.log.checkpoint().then((n) => (served = n));
    await waitFor(() => held.length === 2 || served !== undefined, 'the reader to flush');
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual([returned, served], [undefined, undefined]);
    held.shift()!();
    await sequenced;
    assert.equal(openCheckpoint(returned!, trust).checkpoint.size, 3);
    assert.equal(served, undefined, 'the reader waits for its own flush');
    held.shift()!();
    await reading;
    assert.equal(served, returned);
    // Known durable now: served again without another flush.
    assert.equal(await writer.log.checkpoint(), returned);
    assert.equal(held.length, 0);
  });

  it('serves no checkpoint whose flush failed, says why, and publishes nothing more', async () => {
    let fail = false;
    const writer = auditLog(async () => {
      if (fail) throw eio();
    });
    await record(2);
    const first = await writer.log.sequence();
    assert.ok(first.checkpoint);
    fail = true;
    await record(2);
    await assert.rejects(writer.log.sequence(), notDurable);
    await assert.rejects(writer.log.checkpoint(), notDurable);
    await assert.rejects(writer.log.checkpoints(), notDurable);
    // Once an fsync failed the kernel may report the next one as fine after dropping the pages,
    // so a working flush does not make the log publish again in this process.
    fail = false;
    await assert.rejects(writer.log.checkpoint(), notDurable);
    const before = await storedSizes();
    await record(1);
    await assert.rejects(writer.log.sequence(), notDurable);
    assert.deepEqual(await storedSizes(), before, 'no batch committed over a commit that may be lost');
  });

  it('through the store: the WAL is fsynced before the API serves a checkpoint, and a failing fsync is a 503', async () => {
    // The kernel cannot be made to fail an fsync here, so FileHandle.sync (what the transaction
    // runner calls on the WAL) is wrapped: counted, and failed on demand.
    const handle = await open(join(tmpdir(), '.'), 'r');
    const proto = Object.getPrototypeOf(handle) as { sync: () => Promise<void> };
    await handle.close();
    const realSync = proto.sync;
    let syncs = 0;
    let fail = false;
    proto.sync = function (this: unknown) {
      syncs++;
      return fail ? Promise.reject(eio()) : realSync.call(this);
    };
    const dir = mkdtempSync(join(tmpdir(), 'herald-durable-'));
    try {
      const logs = (await openRecordLogs(store, dir, {}, true))!;
      const { app } = await apiHarness(store, { logs });
      await store.conn.db.transaction().execute(async (trx) => {
        for (let i = 0; i < 3; i++) await logs.journal.capture(trx, sampleRecord(i, T));
      });
      const before = syncs;
      const r = await logs.journal.log.sequence();
      assert.ok(syncs > before, 'the sequencer fsynced the WAL before returning its checkpoint');
      const ok = await app.inject({ method: 'GET', url: '/v1/tlog/journal/checkpoint' });
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.body, r.checkpoint);

      fail = true;
      await store.conn.db.transaction().execute(async (trx) => {
        await logs.journal.capture(trx, sampleRecord(9, T));
      });
      await assert.rejects(logs.journal.log.sequence(), notDurable);
      const refused = await app.inject({ method: 'GET', url: '/v1/tlog/journal/checkpoint' });
      assert.equal(refused.statusCode, 503);
      const body = refused.json<{ error: { code: string; message: string } }>();
      assert.equal(body.error.code, 'HERALD_ERR_TLOG_NOT_DURABLE');
      assert.match(body.error.message, /herald\.local\/journal checkpoint at size 4 is not published/);
      await app.close();
    } finally {
      proto.sync = realSync;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
