import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateNoteKey, type Ed25519NoteVerifier } from '@herald/server/tlog';
import { testDatabases } from '../../../herald/test/support/databases.ts';
import { KEYS_ORIGIN, openKeysHarness, type KeysHarness } from '../../../herald/test/support/keys-harness.ts';
import {
  createDevice,
  isHeraldApiError,
  isHeraldSdkError,
  MemoryStore,
  type DeviceClient,
} from '../../src/index.ts';
import { nodeMlsEngine } from '../../src/node.ts';

// The device client against the real `keys` part (enrollment, KeyPackages, key directory) over
// SQLite, through HTTP. The secure channel's group routes are in the end-to-end test.
describe('device client against the real keys API', () => {
  const { db } = testDatabases()[0]!;
  let h: KeysHarness;
  let baseUrl: string;
  let admin: string;
  let verifierKey: string;
  let sequencer: ReturnType<typeof setInterval>;

  before(async () => {
    h = await openKeysHarness(db!);
    baseUrl = await h.app.listen({ port: 0, host: '127.0.0.1' });
    admin = await h.keyFor('acme', 'admin');
    verifierKey = (h.trust.verifiers[0] as Ed25519NoteVerifier).verifierKey;
    // The gateway integrates directory entries every second; here, every 50 ms.
    sequencer = setInterval(() => void h.keys.directory.log.sequenceAll(), 50);
  });
  after(async () => {
    clearInterval(sequencer);
    await h.dispose();
  });

  async function enrolled(userId: string): Promise<DeviceClient> {
    const d = await createDevice({
      baseUrl,
      store: new MemoryStore(),
      directoryVerifierKey: verifierKey,
      mlsEngine: nodeMlsEngine,
      keyPackages: { batch: 4 },
    });
    await d.enroll({ enrollmentToken: await h.issueToken(admin, userId), name: `${userId}'s phone` });
    return d;
  }

  it('enrolls, and its KeyPackages pass the server’s validation', async () => {
    const alice = await enrolled('alice');
    assert.equal(alice.identity?.userId, 'alice');
    const r = await alice.publishKeyPackages(3);
    assert.equal(r.stored, 3);
    assert.equal(r.available, 4 + 3);
  });

  it('proves another device’s key from the real directory under its signed checkpoints', async () => {
    const alice = await enrolled('alice');
    const bob = await enrolled('bob');
    const proven = await alice.directory.deviceKey(bob.identity!);
    assert.equal(proven.status, 'active');
    assert.equal(proven.entry.userId, 'bob');
    assert.equal(proven.entry.tenant, (await alice.directory.deviceKey(alice.identity!)).entry.tenant);
  });

  it('sees a revocation in the directory, and the revoked device is refused by the server', async () => {
    const alice = await enrolled('alice');
    const laptop = await enrolled('alice');
    const res = await fetch(`${baseUrl}/v1/devices/${laptop.identity!.deviceId}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
    });
    assert.equal(res.status, 200);
    alice.directory.forget();
    const deadline = Date.now() + 5000;
    let status = (await alice.directory.deviceKey(laptop.identity!)).status;
    while (status !== 'revoked' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      alice.directory.forget();
      status = (await alice.directory.deviceKey(laptop.identity!)).status;
    }
    assert.equal(status, 'revoked');
    await assert.rejects(laptop.publishKeyPackages(1), (e: unknown) =>
      isHeraldApiError(e, 'HERALD_ERR_DEVICE_INACTIVE'),
    );
  });

  it('refuses the real checkpoints when configured with another key for the same log name', async () => {
    const bob = await enrolled('bob');
    const impostorKey = generateNoteKey(KEYS_ORIGIN).verifierKey;
    const alice = await createDevice({
      baseUrl,
      store: new MemoryStore(),
      directoryVerifierKey: impostorKey,
      mlsEngine: nodeMlsEngine,
    });
    await alice.enroll({ enrollmentToken: await h.issueToken(admin, 'alice') });
    await assert.rejects(alice.directory.deviceKey(bob.identity!), (e: unknown) =>
      isHeraldSdkError(e, 'HERALD_SDK_CHECKPOINT_INVALID'),
    );
  });
});
