import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { testDatabases } from '../support/databases.ts';
import { kill, startHeraldProcess } from '../support/herald-process.ts';

const BIN = fileURLToPath(new URL('../../bin/herald.mjs', import.meta.url));

function run(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (out += c.toString()));
    p.on('exit', (code) => resolve({ code: code ?? 1, out }));
  });
}

for (const { db, name } of testDatabases()) {
  describe(`sandbox end to end: ${name}`, { skip: db ? false : 'HERALD_TEST_PG_URL is not set' }, () => {
    it('delivers a message sent with the CLI through the SMPP simulator, showing each step', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'herald-sandbox-'));
      const opened = await db!.open();
      await opened.store.close();
      const env: Record<string, string> = {
        HERALD_DATA_DIR: dir,
        HERALD_DATABASE_URL: name === 'sqlite' ? join(dir, 'herald.db') : opened.url,
        ...(name === 'postgres' ? { HERALD_MASTER_KEY: randomBytes(32).toString('base64') } : {}),
      };
      const server = await startHeraldProcess(env, ['serve', '--sandbox']);
      try {
        // The key's path is printed around the "listening" line, not necessarily before it.
        for (let i = 0; i < 50 && !/sandbox\.key/.test(server.output()); i++)
          await new Promise((r) => setTimeout(r, 100));
        assert.match(server.output(), /sandbox\.key/);
        const key = readFileSync(join(dir, 'sandbox.key'), 'utf8').trim();
        assert.match(key, /^hk_/);
        if (name === 'sqlite')
          assert.ok(existsSync(join(dir, 'herald.db')), 'SQLite lives under the data dir');

        const sent = await run(['send', '--to', '+15550000001', '--text', 'hello from the CLI'], {
          ...env,
          HERALD_URL: server.url,
        });
        assert.equal(sent.code, 0, sent.out);
        for (const step of ['accepted', 'sending', 'attempt', 'sent', 'receipt', 'delivered']) {
          assert.match(sent.out, new RegExp(step), `the timeline shows ${step}`);
        }
        // The shipped default policy tries RCS first (sandbox numbers are on RCS), then SMS.
        assert.match(sent.out, /rule everyday-messages/);
        assert.match(sent.out, /channel=rcs/);

        // Not on RCS: the route falls back to SMS, which the SMSC delivers over SMPP.
        const sms = await run(['send', '--to', '+15550000102', '--text', 'no RCS here'], {
          ...env,
          HERALD_URL: server.url,
        });
        assert.equal(sms.code, 0, sms.out);
        assert.match(sms.out, /fell_back\s.*trigger=unsupported/);
        assert.match(sms.out, /channel=sms/);
        assert.match(sms.out, /DELIVRD/);

        // Restricted content with no secure channel for a phone number: only notices may go out.
        const restricted = await run(
          ['send', '--to', '+15550000102', '--text', 'canary-restricted', '--classification', 'restricted'],
          { ...env, HERALD_URL: server.url },
        );
        assert.match(restricted.out, /content=notice/);
        assert.doesNotMatch(restricted.out, /content=full/);
      } finally {
        await kill(server.child, 'SIGTERM');
        await opened.dispose().catch(() => {});
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
