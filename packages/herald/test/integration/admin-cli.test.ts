import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { generateKeyPairSync } from 'node:crypto';
import { hashApiKey } from '../../src/api/api-key.ts';
import { createKeys } from '../../src/keys/keys.ts';
import { Store } from '../../src/storage/store.ts';

const BIN = fileURLToPath(new URL('../../bin/herald.mjs', import.meta.url));

describe('herald tenants and keys', () => {
  it('creates a tenant and a key that is shown once and stored only as a hash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-cli-'));
    const env = { ...process.env, HERALD_DATA_DIR: dir };
    const herald = (...args: string[]) =>
      spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
    try {
      assert.equal(herald('tenants', 'create', 'acme').status, 0);
      assert.equal(herald('tenants', 'create', 'acme').status, 1, 'names are unique');
      assert.match(herald('tenants', 'list').stdout, /acme/);

      const created = herald('keys', 'create', '--tenant', 'acme', '--role', 'auditor');
      assert.equal(created.status, 0, created.stderr);
      const key = /key:\s+(hk_\S+)/.exec(created.stdout)![1]!;
      const db = readdirSync(dir)
        .filter((f) => f.startsWith('herald.db'))
        .map((f) => readFileSync(join(dir, f)).toString('latin1'))
        .join('');
      assert.equal(db.includes(key), false, 'the key itself is never stored');
      assert.ok(db.includes(hashApiKey(key)), 'its hash is');

      const listed = herald('keys', 'list', '--tenant', 'acme');
      assert.match(listed.stdout, /auditor\s+auditor\s+active/);
      assert.equal(listed.stdout.includes(key), false);

      const bad = herald('keys', 'create', '--tenant', 'acme', '--role', 'root');
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /HERALD_ERR_KEY_INVALID_ROLE/);
      assert.match(herald('keys', 'create', '--tenant', 'nobody').stderr, /HERALD_ERR_TENANT_NOT_FOUND/);
      assert.equal(herald('frobnicate').status, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('herald devices', () => {
  it('issues a one-time enrollment token that enrolls a device, and lists devices', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-cli-'));
    const env = { ...process.env, HERALD_DATA_DIR: dir };
    const herald = (...args: string[]) =>
      spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
    try {
      assert.equal(herald('tenants', 'create', 'acme').status, 0);
      const issued = herald('devices', 'enroll-token', '--tenant', 'acme', '--user', 'alice');
      assert.equal(issued.status, 0, issued.stderr);
      const token = /token:\s+(het_\S+)/.exec(issued.stdout)![1]!;
      assert.equal(herald('devices', 'enroll-token', '--tenant', 'acme').status, 2);
      const bad = herald('devices', 'enroll-token', '--tenant', 'acme', '--user', 'user:alice');
      assert.match(bad.stderr, /HERALD_ERR_API_VALIDATION/);
      assert.match(herald('devices', 'list', '--tenant', 'nobody').stderr, /HERALD_ERR_TENANT_NOT_FOUND/);

      const store = await Store.open(join(dir, 'herald.db'));
      try {
        const keys = createKeys(store, { origin: 'herald.test/keys' });
        const key = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x!;
        const e = await keys.enrollment.enroll({
          enrollmentToken: token,
          signatureKey: Buffer.from(key, 'base64url'),
        });
        assert.equal(e.device.userId, 'alice');
        await assert.rejects(
          keys.enrollment.enroll({ enrollmentToken: token, signatureKey: Buffer.from(key, 'base64url') }),
          { code: 'HERALD_ERR_KEYS_ENROLLMENT_TOKEN_INVALID' },
        );
      } finally {
        await store.close();
      }
      assert.match(
        herald('devices', 'list', '--tenant', 'acme').stdout,
        /\talice\tdevice\tactive\tunmanaged/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
