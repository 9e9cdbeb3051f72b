import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openRecordLogs } from '../../src/journal/record-logs.ts';
import type { Store } from '../../src/storage/store.ts';
import { apiHarness } from '../support/api-harness.ts';
import { testDatabases } from '../support/databases.ts';

for (const { db, name } of testDatabases()) {
  describe(`legal holds API: ${name}`, { skip: db ? false : 'HERALD_TEST_PG_URL is not set' }, () => {
    let store: Store;
    let dispose: () => Promise<void>;
    let dir: string;
    let h: Awaited<ReturnType<typeof apiHarness>>;
    before(async () => {
      ({ store, dispose } = await db!.open());
      dir = mkdtempSync(join(tmpdir(), 'herald-holds-'));
      const logs = (await openRecordLogs(store, dir, {}, true))!;
      h = await apiHarness(store, { logs });
    });
    after(async () => {
      await h.app.close();
      await dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it('lets compliance place and release holds, on the audit record, and nobody else', async () => {
      const compliance = await h.keyFor('acme', 'compliance');
      const admin = await h.keyFor('acme', 'admin');
      const other = await h.keyFor('globex', 'compliance');
      const as = (key: string) => ({ authorization: `Bearer ${key}` });

      const denied = await h.app.inject({
        method: 'POST',
        url: '/v1/journal/holds',
        headers: as(admin),
        payload: { reason: 'litigation 42' },
      });
      assert.equal(denied.statusCode, 403);

      const bad = await h.app.inject({
        method: 'POST',
        url: '/v1/journal/holds',
        headers: as(compliance),
        payload: { reason: 'x', from: 'yesterday' },
      });
      assert.equal(bad.json().error.code, 'HERALD_ERR_API_VALIDATION');

      const placed = await h.app.inject({
        method: 'POST',
        url: '/v1/journal/holds',
        headers: as(compliance),
        payload: {
          reason: 'litigation 42',
          subject: '+15550000001',
          label: 'claims',
          from: '2026-01-01T00:00:00Z',
        },
      });
      assert.equal(placed.statusCode, 201, placed.body);
      const { id } = placed.json() as { id: string };

      const mine = (await h.app.inject({ url: '/v1/journal/holds', headers: as(compliance) })).json();
      assert.deepEqual(
        mine.holds.map((x: { id: string; bySubject: boolean; label: string }) => [
          x.id,
          x.bySubject,
          x.label,
        ]),
        [[id, true, 'claims']],
      );
      assert.ok(!JSON.stringify(mine).includes('+1555'), 'the subject is kept only as a hash');
      const theirs = (await h.app.inject({ url: '/v1/journal/holds', headers: as(other) })).json();
      assert.deepEqual(theirs.holds, [], 'tenants are isolated');
      const stolen = await h.app.inject({
        method: 'DELETE',
        url: `/v1/journal/holds/${id}`,
        headers: as(other),
      });
      assert.notEqual(stolen.statusCode, 204, 'another tenant cannot release it');

      const released = await h.app.inject({
        method: 'DELETE',
        url: `/v1/journal/holds/${id}`,
        headers: as(compliance),
      });
      assert.equal(released.statusCode, 204);
      const again = await h.app.inject({
        method: 'DELETE',
        url: `/v1/journal/holds/${id}`,
        headers: as(compliance),
      });
      assert.equal(again.json().error.code, 'HERALD_ERR_JOURNAL_HOLD_NOT_FOUND');

      const audit = await store.conn.db.selectFrom('audit_events').select(['action', 'target']).execute();
      assert.deepEqual(
        audit.filter((e) => e.target === id).map((e) => e.action),
        ['journal.hold.create', 'journal.hold.release'],
      );
    });
  });
}
