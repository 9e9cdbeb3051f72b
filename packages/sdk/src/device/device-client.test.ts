import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createNodeMlsEngine } from '@herald/server/mls/node';
import { FakeHerald } from '../../test/support/fake-herald.ts';
import { isHeraldApiError } from '../errors/api-error.ts';
import { isHeraldSdkError, type SdkErrorCode } from '../errors/sdk-errors.ts';
import { nodeMlsEngine } from '../node.ts';
import type { DeviceStore } from '../store/device-store.ts';
import { FileStore } from '../store/file-store.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { createDevice, type DeviceClient, type ReceivedMessage } from './device-client.ts';

async function device(
  server: FakeHerald,
  userId: string,
  store: DeviceStore = new MemoryStore(),
): Promise<DeviceClient> {
  const d = await createDevice({
    baseUrl: 'https://herald.test',
    store,
    directoryVerifierKey: server.log.verifierKey,
    fetch: server.fetch,
    mlsEngine: nodeMlsEngine,
    keyPackages: { batch: 3, lowWater: 2 },
    directory: { checkpointMaxAgeMs: 0 },
  });
  if (d.identity === undefined) await d.enroll({ enrollmentToken: server.enrollmentToken(userId) });
  return d;
}

const texts = (ms: readonly ReceivedMessage[]) => ms.map((m) => `${m.sender.userId}:${m.text}`);

async function refused(p: Promise<unknown>, code: SdkErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isHeraldSdkError(e), `expected a HeraldSdkError, got ${String(e)}`);
    assert.equal(e.code, code);
    return true;
  });
}

describe('device client (against a scripted server)', { timeout: 120_000 }, () => {
  it('creates a group with every device of the users, and messages reach each other device', async () => {
    const server = await new FakeHerald().start();
    const phone = await device(server, 'alice');
    const laptop = await device(server, 'alice');
    const bob = await device(server, 'bob');
    const groupId = await phone.createGroup(['bob', 'alice']);
    assert.equal(server.group(groupId)?.members.size, 3);
    await laptop.sync();
    await bob.sync();
    await bob.send(groupId, 'hi alice');
    assert.deepEqual(texts(await phone.sync()), ['bob:hi alice']);
    assert.deepEqual(texts(await laptop.sync()), ['bob:hi alice']);
    await laptop.send(groupId, 'hi from the laptop');
    assert.deepEqual(texts(await bob.sync()), ['alice:hi from the laptop']);
    assert.deepEqual(texts(await phone.sync()), ['alice:hi from the laptop']);
    assert.deepEqual(await bob.sync(), [], 'a message is delivered once');
    const numbers = await Promise.all([phone, laptop, bob].map((d) => d.safetyNumber(groupId)));
    assert.match(numbers[0]!, /^\d{5}( \d{5}){5}$/);
    assert.deepEqual(new Set(numbers).size, 1);
    assert.deepEqual((await bob.members(groupId)).map((m) => m.userId).sort(), ['alice', 'alice', 'bob']);
  });

  it('commits only when the server echoes the commit, and retries after losing the epoch', async () => {
    const server = await new FakeHerald().start();
    const alice = await device(server, 'alice');
    const bob = await device(server, 'bob');
    const groupId = await alice.createGroup(['bob']);
    await bob.sync();
    // Bob's commit reaches the server first, while alice's is on its way.
    let raced = false;
    server.beforeHandshake = async (deviceId) => {
      if (raced || deviceId !== alice.identity!.deviceId) return;
      raced = true;
      await bob.commitPending(groupId);
    };
    await alice.commitPending(groupId);
    assert.ok(raced);
    await bob.sync();
    assert.equal(server.group(groupId)?.epoch, 3n, 'both commits went in, one after the other');
    assert.equal(await alice.safetyNumber(groupId), await bob.safetyNumber(groupId));
    await alice.send(groupId, 'still in sync');
    assert.deepEqual(texts(await bob.sync()), ['alice:still in sync']);
  });

  it('refuses a device key the server substitutes in a claim, before anything is sent', async () => {
    const server = await new FakeHerald().start();
    const alice = await device(server, 'alice');
    await device(server, 'bob');
    // The server answers the claim with a KeyPackage of its own for bob's device.
    const evil = createNodeMlsEngine({
      credentialValidator: {
        validate: async () => ({ ok: true, identity: { userId: 'bob', deviceId: 'x' } }),
      },
    });
    server.onClaim = async (devices) =>
      Promise.all(
        devices.map(async (d) => {
          const signer = await evil.generateSignatureKeyPair();
          const kp = await evil.generateKeyPackage({ userId: d.userId, deviceId: d.deviceId }, signer);
          return { ...d, keyPackage: Buffer.from(kp.keyPackage).toString('base64') };
        }),
      );
    const before = server.calls.length;
    await refused(alice.createGroup(['bob']), 'HERALD_SDK_KEY_NOT_IN_DIRECTORY');
    assert.ok(!server.calls.slice(before).some((c) => c.includes('handshake')), 'no commit was sent');
  });

  it('refuses to add members once the server forks its key log', async () => {
    const server = await new FakeHerald().start();
    const alice = await device(server, 'alice');
    const bobDevice = await device(server, 'bob');
    const groupId = await alice.createGroup([]);
    const bobEntry = server.log.entries.get(`bob:${bobDevice.identity!.deviceId}`)!;
    // A different history, in which bob's entry sits at leaf 0, signed with the log's key.
    await server.log.fork([bobEntry[0]!.entry, 'a', 'b', 'c', 'd']);
    bobEntry[0]!.leafIndex = 0;
    await refused(alice.addMembers(groupId, ['bob']), 'HERALD_SDK_DIRECTORY_INCONSISTENT');
  });

  it('keeps its identity and groups in a file store across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'herald-sdk-device-'));
    try {
      const server = await new FakeHerald().start();
      const bob = await device(server, 'bob', new FileStore(dir));
      const alice = await device(server, 'alice');
      const groupId = await alice.createGroup(['bob']);
      await bob.sync();
      await bob.close();
      const again = await device(server, 'bob', new FileStore(dir));
      assert.deepEqual(again.identity, bob.identity);
      await alice.send(groupId, 'after the restart');
      assert.deepEqual(texts(await again.sync()), ['alice:after the restart']);
      assert.equal(await again.safetyNumber(groupId), await alice.safetyNumber(groupId));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('delivers messages to listeners by polling when no stream is available', async () => {
    const server = await new FakeHerald().start();
    const alice = await device(server, 'alice');
    const bob = await createDevice({
      baseUrl: 'https://herald.test',
      store: new MemoryStore(),
      directoryVerifierKey: server.log.verifierKey,
      fetch: server.fetch,
      mlsEngine: nodeMlsEngine,
      pollIntervalMs: 50,
      webSocket: () => {
        throw new Error('no stream here');
      },
    });
    await bob.enroll({ enrollmentToken: server.enrollmentToken('bob') });
    const groupId = await alice.createGroup(['bob']);
    const got = new Promise<ReceivedMessage>((resolve) => bob.onMessage(resolve));
    bob.startLive();
    await alice.send(groupId, 'polled');
    const m = await got;
    assert.equal(m.text, 'polled');
    assert.equal(bob.streaming, false);
    await bob.close();
  });

  it('tops up its KeyPackages when Welcomes used them up', async () => {
    const server = await new FakeHerald().start();
    const bob = await device(server, 'bob');
    const alice = await device(server, 'alice');
    const kpCalls = () => server.calls.filter((c) => c === 'POST /v1/devices/me/key-packages').length;
    const first = kpCalls();
    for (let i = 0; i < 2; i++) await alice.createGroup(['bob']);
    await bob.sync();
    assert.ok(kpCalls() > first, 'bob published more KeyPackages');
    assert.equal((await bob.groups()).length, 2);
  });

  it('refuses a second enrollment into the same store, and operations before enrollment', async () => {
    const server = await new FakeHerald().start();
    const store = new MemoryStore();
    const d = await device(server, 'alice', store);
    await refused(
      d.enroll({ enrollmentToken: server.enrollmentToken('alice') }),
      'HERALD_SDK_ALREADY_ENROLLED',
    );
    const fresh = await createDevice({
      baseUrl: 'https://herald.test',
      store: new MemoryStore(),
      directoryVerifierKey: server.log.verifierKey,
      fetch: server.fetch,
    });
    await refused(fresh.createGroup([]), 'HERALD_SDK_NOT_ENROLLED');
    await assert.rejects(
      fresh.enroll({ enrollmentToken: 'het_unknown' }),
      (e: unknown) => isHeraldApiError(e) && e.status === 401,
    );
    await refused(d.send('bm90IGEgZ3JvdXA=', 'x'), 'HERALD_SDK_INVALID_ARGUMENT');
  });

  it("commits the server's Remove of a revoked device; the revoked device is refused and cannot read on", async () => {
    const server = await new FakeHerald().start();
    const phone = await device(server, 'alice');
    const laptop = await device(server, 'alice');
    const bob = await device(server, 'bob');
    const groupId = await phone.createGroup(['bob', 'alice']);
    await laptop.sync();
    await bob.sync();
    await server.revoke(laptop.identity!.deviceId);
    // Bob syncs first: he receives the proposal and commits it.
    await bob.sync();
    const group = server.group(groupId)!;
    assert.ok(![...group.members.values()].includes(laptop.identity!.deviceId), 'the laptop left the roster');
    assert.deepEqual(
      (await bob.members(groupId)).map((m) => m.deviceId).sort(),
      [bob.identity!.deviceId, phone.identity!.deviceId].sort(),
    );
    await phone.sync();
    assert.equal(await phone.safetyNumber(groupId), await bob.safetyNumber(groupId));
    await bob.send(groupId, 'after the revocation');
    assert.deepEqual(texts(await phone.sync()), ['bob:after the revocation']);
    await assert.rejects(
      laptop.sync(),
      (e: unknown) => isHeraldApiError(e, 'HERALD_ERR_DEVICE_INACTIVE') && e.status === 403,
    );
    await assert.rejects(laptop.send(groupId, 'x'), (e: unknown) =>
      isHeraldApiError(e, 'HERALD_ERR_DEVICE_INACTIVE'),
    );
  });

  it("commits the server's Removes in every group by itself, and two members syncing at once remove the device once per group", async () => {
    const server = await new FakeHerald().start();
    const phone = await device(server, 'alice');
    const laptop = await device(server, 'alice');
    const bob = await device(server, 'bob');
    const failures: string[] = [];
    for (const d of [phone, bob]) d.onFailure((f) => failures.push(`${f.kind}: ${f.error.message}`));
    const groupIds: string[] = [];
    for (let i = 0; i < 6; i++) groupIds.push(await phone.createGroup(['bob', 'alice']));
    await laptop.sync();
    await bob.sync();
    const epochs = groupIds.map((g) => server.group(g)!.epoch);
    await server.revoke(laptop.identity!.deviceId);
    // Both remaining members sync at once and commit on their own; nobody calls commitPending.
    await Promise.all([phone.sync(), bob.sync()]);
    await Promise.all([phone.sync(), bob.sync()]);
    const laptopId = laptop.identity!.deviceId;
    groupIds.forEach((g, i) => {
      const group = server.group(g)!;
      assert.ok(![...group.members.values()].includes(laptopId), `the laptop left group ${i}`);
      // One commit per group: whoever lost a race did not follow up with an empty commit.
      assert.equal(group.epoch, epochs[i]! + 1n, `group ${i} moved exactly one epoch`);
    });
    for (const d of [phone, bob]) for (const g of groupIds) assert.equal((await d.members(g)).length, 2);
    assert.deepEqual(failures, []);
  });

  it('a member that loses the race for the Remove takes the winning commit and commits nothing more', async () => {
    const server = await new FakeHerald().start();
    const phone = await device(server, 'alice');
    const laptop = await device(server, 'alice');
    const bob = await device(server, 'bob');
    const failures: string[] = [];
    for (const d of [phone, bob]) d.onFailure((f) => failures.push(`${f.kind}: ${f.error.message}`));
    const groupId = await phone.createGroup(['bob', 'alice']);
    await laptop.sync();
    await bob.sync();
    const epoch = server.group(groupId)!.epoch;
    await server.revoke(laptop.identity!.deviceId);
    // Both build their commit of the Remove before either reaches the server: the first one
    // in waits (up to 5 s) for the second, so exactly one of them loses the epoch.
    let arrived = 0;
    let release: () => void = () => undefined;
    const both = new Promise<void>((r) => (release = r));
    server.beforeHandshake = async () => {
      if (++arrived === 2) release();
      await Promise.race([both, new Promise((r) => setTimeout(r, 5000))]);
    };
    await Promise.all([phone.sync(), bob.sync()]);
    server.beforeHandshake = undefined;
    assert.equal(arrived, 2, 'both members sent a commit');
    await Promise.all([phone.sync(), bob.sync()]);
    assert.equal(server.group(groupId)!.epoch, epoch + 1n, 'one commit: the loser did not commit again');
    assert.equal(await phone.safetyNumber(groupId), await bob.safetyNumber(groupId));
    assert.equal((await bob.members(groupId)).length, 2);
    assert.deepEqual(failures, []);
  });

  it('re-joins by external commit from the latest GroupInfo when it cannot apply a winning commit', async () => {
    const server = await new FakeHerald().start();
    const store = new MemoryStore();
    const alice = await device(server, 'alice');
    const bob = await device(server, 'bob', store);
    const groupId = await alice.createGroup(['bob']);
    await bob.sync();
    const key = (await store.keys('group/')).find((k) => k.endsWith('/state'))!;
    const old = (await store.get(key))!;
    await alice.commitPending(groupId);
    await bob.sync();
    await alice.commitPending(groupId);
    // Bob's device comes back with a state two epochs old (a restored backup, say).
    await store.set(key, old);
    await store.set('inbox/cursor', new TextEncoder().encode('0'));
    const restored = await device(server, 'bob', store);
    const failures: string[] = [];
    restored.onFailure((f) => failures.push(f.error.message));
    await restored.sync();
    await alice.sync();
    assert.equal(await restored.safetyNumber(groupId), await alice.safetyNumber(groupId));
    await alice.send(groupId, 'welcome back');
    assert.deepEqual(texts(await restored.sync()), ['alice:welcome back']);
    assert.equal((await alice.members(groupId)).length, 2, 'the old leaf was replaced, not kept');
    assert.deepEqual(failures, []);
  });
});
