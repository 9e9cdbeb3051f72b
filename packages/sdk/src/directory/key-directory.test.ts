import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { FakeKeyLog } from '../../test/support/fake-key-log.ts';
import { isHeraldSdkError, type SdkErrorCode } from '../errors/sdk-errors.ts';
import { HttpClient } from '../http/http-client.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { KeyDirectory } from './key-directory.ts';

const BASE = 'https://herald.test';

function client(
  log: FakeKeyLog,
  store = new MemoryStore(),
  extra: { tenant?: string; integrationTimeoutMs?: number } = {},
) {
  return new KeyDirectory({
    http: new HttpClient({ baseUrl: BASE, fetch: log.fetch, credential: () => 'hdv_test' }),
    store,
    verifierKey: log.verifierKey,
    // Every call fetches a fresh checkpoint, so each test sees the log as it is now.
    checkpointMaxAgeMs: 0,
    keyCacheMs: 0,
    ...extra,
  });
}

async function refused(p: Promise<unknown>, code: SdkErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isHeraldSdkError(e), `expected a HeraldSdkError, got ${String(e)}`);
    assert.equal(e.code, code);
    return true;
  });
}

const alicePhone = { userId: 'alice', deviceId: 'dev_phone' };

describe('KeyDirectory', () => {
  it('proves a published key by an inclusion proof in a verified checkpoint', async () => {
    const log = new FakeKeyLog();
    const key = randomBytes(32);
    await log.appendOther('another tenant entry');
    await log.append({ user: 'alice', device: 'dev_phone', key });
    const dir = client(log);
    const proven = await dir.deviceKey(alicePhone);
    assert.equal(proven.status, 'active');
    assert.deepEqual(proven.status === 'active' && Buffer.from(proven.key), key);
    const entry = await dir.requireKey(alicePhone, key);
    assert.equal(entry.tenant, 'acme');
  });

  it('keeps every checkpoint it has seen in its store', async () => {
    const log = new FakeKeyLog();
    const store = new MemoryStore();
    await log.append({ user: 'alice', device: 'dev_phone', key: randomBytes(32) });
    const dir = client(log, store);
    await dir.checkpoint();
    await log.append({ user: 'bob', device: 'dev_b', key: randomBytes(32) });
    await dir.checkpoint();
    assert.deepEqual(await store.keys('directory/checkpoint/'), [
      'directory/checkpoint/0000000000000001',
      'directory/checkpoint/0000000000000002',
    ]);
  });

  it('refuses a key the server substitutes: the entry with the new key is not in the log', async () => {
    const log = new FakeKeyLog();
    const real = randomBytes(32);
    const evil = randomBytes(32);
    const published = await log.append({ user: 'alice', device: 'dev_phone', key: real });
    // The server lists an entry with its own key at the real entry's position.
    log.entries.set('alice:dev_phone', [
      {
        entry: FakeKeyLog.entryText({ user: 'alice', device: 'dev_phone', key: evil }),
        leafIndex: published.leafIndex,
      },
    ]);
    await refused(client(log).deviceKey(alicePhone), 'HERALD_SDK_KEY_NOT_IN_DIRECTORY');
  });

  it('refuses a KeyPackage key that differs from the proven one', async () => {
    const log = new FakeKeyLog();
    await log.append({ user: 'alice', device: 'dev_phone', key: randomBytes(32) });
    await refused(client(log).requireKey(alicePhone, randomBytes(32)), 'HERALD_SDK_KEY_NOT_IN_DIRECTORY');
  });

  it('refuses a device the directory does not know, and entries that name another device', async () => {
    const log = new FakeKeyLog();
    const bob = await log.append({ user: 'bob', device: 'dev_b', key: randomBytes(32) });
    await refused(client(log).deviceKey(alicePhone), 'HERALD_SDK_KEY_NOT_IN_DIRECTORY');
    log.entries.set('alice:dev_phone', [bob]);
    await refused(client(log).deviceKey(alicePhone), 'HERALD_SDK_KEY_NOT_IN_DIRECTORY');
  });

  it('refuses a forked log: a checkpoint inconsistent with one seen before, even after a restart', async () => {
    const log = new FakeKeyLog();
    const store = new MemoryStore();
    const real = randomBytes(32);
    await log.append({ user: 'alice', device: 'dev_phone', key: real });
    await log.append({ user: 'bob', device: 'dev_b', key: randomBytes(32) });
    await client(log, store).deviceKey(alicePhone);
    // The server now shows a history in which alice's phone has the server's key.
    const evil = FakeKeyLog.entryText({ user: 'alice', device: 'dev_phone', key: randomBytes(32) });
    await log.fork([evil, 'x', 'y']);
    log.entries.set('alice:dev_phone', [{ entry: evil, leafIndex: 0 }]);
    await refused(client(log, store).deviceKey(alicePhone), 'HERALD_SDK_DIRECTORY_INCONSISTENT');
  });

  it('refuses a fork of the same size (a different root for a size already seen)', async () => {
    const log = new FakeKeyLog();
    const store = new MemoryStore();
    await log.append({ user: 'alice', device: 'dev_phone', key: randomBytes(32) });
    await client(log, store).checkpoint();
    await log.fork(['something else']);
    await refused(client(log, store).checkpoint(), 'HERALD_SDK_DIRECTORY_INCONSISTENT');
  });

  it('refuses a checkpoint not signed by the configured key', async () => {
    const log = new FakeKeyLog();
    await log.append({ user: 'alice', device: 'dev_phone', key: randomBytes(32) });
    log.resign();
    await refused(client(log).checkpoint(), 'HERALD_SDK_CHECKPOINT_INVALID');
  });

  it('reports a revoked device, and refuses to use its key', async () => {
    const log = new FakeKeyLog();
    const key = randomBytes(32);
    await log.append({ user: 'alice', device: 'dev_phone', key });
    await log.append({ user: 'alice', device: 'dev_phone', key, action: 'revoke' });
    const dir = client(log);
    assert.equal((await dir.deviceKey(alicePhone)).status, 'revoked');
    await refused(dir.requireKey(alicePhone, key), 'HERALD_SDK_KEY_REVOKED');
  });

  it('refuses a history that hides a revocation by listing an entry after it', async () => {
    const log = new FakeKeyLog();
    const key = randomBytes(32);
    await log.append({ user: 'alice', device: 'dev_phone', key });
    await log.append({ user: 'alice', device: 'dev_phone', key, action: 'revoke' });
    await log.append({ user: 'alice', device: 'dev_phone', key: randomBytes(32), action: 'rotate' });
    await refused(client(log).deviceKey(alicePhone), 'HERALD_SDK_KEY_NOT_IN_DIRECTORY');
  });

  it('waits for the sequencer to integrate a new entry rather than trust it unproven', async () => {
    const log = new FakeKeyLog();
    const key = randomBytes(32);
    const item = await log.append({ user: 'alice', device: 'dev_phone', key }, false);
    setTimeout(() => void log.integrate(item), 300);
    const proven = await client(log, new MemoryStore(), { integrationTimeoutMs: 5000 }).deviceKey(alicePhone);
    assert.equal(proven.status, 'active');
  });

  it('gives up on an entry that is never integrated, with a retryable error', async () => {
    const log = new FakeKeyLog();
    await log.append({ user: 'alice', device: 'dev_phone', key: randomBytes(32) }, false);
    const p = client(log, new MemoryStore(), { integrationTimeoutMs: 300 }).deviceKey(alicePhone);
    await refused(p, 'HERALD_SDK_DIRECTORY_PENDING');
    await p.catch((e: unknown) => assert.ok(isHeraldSdkError(e) && e.isRetryable));
  });

  it('refuses an entry of another tenant once the device knows its own', async () => {
    const log = new FakeKeyLog();
    await log.append({ user: 'alice', device: 'dev_phone', key: randomBytes(32), tenant: 'other' });
    await refused(
      client(log, new MemoryStore(), { tenant: 'acme' }).deviceKey(alicePhone),
      'HERALD_SDK_KEY_NOT_IN_DIRECTORY',
    );
  });

  it('refuses a verifier key that is not a note verifier key', () => {
    assert.throws(
      () =>
        new KeyDirectory({
          http: new HttpClient({ baseUrl: BASE }),
          store: new MemoryStore(),
          verifierKey: 'nope',
        }),
      (e: unknown) => isHeraldSdkError(e, 'HERALD_SDK_INVALID_ARGUMENT'),
    );
  });
});
