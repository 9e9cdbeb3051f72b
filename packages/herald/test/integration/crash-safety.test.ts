import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { generateApiKey } from '../../src/api/api-key.ts';
import { startSmsc, type SmscHandle } from '../../src/simulator/smsc/smsc-server.ts';
import { Store } from '../../src/storage/store.ts';
import { kill, startHeraldProcess } from '../support/herald-process.ts';

const FINAL = new Set(['delivered', 'undelivered', 'failed', 'expired', 'blocked']);

describe('crash safety', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-crash-'));
  let smsc: SmscHandle | undefined;
  after(async () => {
    await smsc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every message it answered 202 for across a SIGKILL, and delivers each one', async (t) => {
    // The SMSC lives in this process, so it outlives the gateway and counts what it received.
    smsc = await startSmsc({ host: '127.0.0.1', port: 0, systemId: 'herald', password: 'crash' });
    const env = {
      HERALD_DATA_DIR: dir,
      HERALD_SMPP_URL: `smpp://herald:crash@127.0.0.1:${smsc.port}`,
      HERALD_RETRY_BASE_MS: '50',
      // The dead process's leased jobs come back after the lease: keep it short for the test.
      HERALD_LEASE_MS: '4000',
    };
    const store = await Store.open(join(dir, 'herald.db'));
    const tenant = await store.tenants.createTenant('crash');
    const { key, hash } = generateApiKey();
    await store.tenants.createApiKey(tenant.id, 'sender', 'crash', hash);
    await store.close();
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

    const first = await startHeraldProcess(env);
    const accepted: string[] = [];
    let stop = false;
    let refused = 0;
    // Eight clients send as fast as they can until the process dies under them.
    const clients = Array.from({ length: 8 }, async (_, c) => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await fetch(`${first.url}/v1/messages`, {
            method: 'POST',
            headers,
            body: JSON.stringify({
              to: '+15550000001',
              content: { text: `crash ${c}-${i}` },
              classification: 'internal',
            }),
          });
          if (res.status === 202) accepted.push(((await res.json()) as { id: string }).id);
          else refused++;
        } catch {
          refused++; // the connection died with the process: this request was never answered 202
          if (first.child.exitCode !== null || first.child.signalCode !== null) return;
        }
      }
    });
    // Kill once a few hundred messages are in, while the clients keep sending and the worker sends.
    const until = Date.now() + 30_000;
    while (accepted.length < 300 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await kill(first.child, 'SIGKILL');
    stop = true;
    await Promise.all(clients);
    assert.ok(accepted.length > 50, `only ${accepted.length} messages were accepted before the kill`);
    const submittedAtKill = smsc.stats().submitted;

    const second = await startHeraldProcess(env);
    try {
      const deadline = Date.now() + 120_000;
      const pending = new Set(accepted);
      const last = new Map<string, string>();
      while (pending.size > 0 && Date.now() < deadline) {
        for (const id of [...pending].slice(0, 200)) {
          const res = await fetch(`${second.url}/v1/messages/${id}`, { headers });
          assert.equal(res.status, 200, `message ${id} answered 202 but is missing after the crash`);
          const m = (await res.json()) as { status: string };
          last.set(id, m.status);
          if (FINAL.has(m.status)) {
            assert.equal(m.status, 'delivered', `message ${id} ended ${m.status}`);
            pending.delete(id);
          }
        }
        if (pending.size > 0) await new Promise((r) => setTimeout(r, 200));
      }
      const stuck = [...pending].slice(0, 5).map((id) => `${id}:${last.get(id)}`);
      assert.equal(
        pending.size,
        0,
        `${pending.size} accepted messages did not reach a final status, e.g. ${stuck.join(' ')}`,
      );
      const stats = smsc.stats();
      t.diagnostic(
        `accepted ${accepted.length} before SIGKILL (${refused} unanswered), ${submittedAtKill} reached the SMSC before the kill; ` +
          `all ${accepted.length} delivered after restart; sent to the SMSC twice: ${stats.duplicates}`,
      );
      // At-least-once: a resend can only come from sends in flight at the kill (bounded by the window).
      assert.ok(stats.duplicates <= 64 * 2, `too many duplicates: ${stats.duplicates}`);
    } finally {
      await kill(second.child, 'SIGTERM');
    }
  });
});
