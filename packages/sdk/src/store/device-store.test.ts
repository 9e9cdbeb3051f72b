import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
// A stand-in for a browser's IndexedDB: no browser runs in this test suite, and fake-indexeddb
// implements the W3C IndexedDB API (it passes most of the web-platform-tests for it).
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { isHeraldSdkError } from '../errors/sdk-errors.ts';
import type { DeviceStore } from './device-store.ts';
import { isValidStoreKey } from './device-store.ts';
import { FileStore } from './file-store.ts';
import { IndexedDbStore } from './indexeddb-store.ts';
import type { IdbFactoryLike, IdbKeyRangeLike } from './indexeddb-subset.ts';
import { MemoryStore } from './memory-store.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'herald-sdk-store-'));
  dirs.push(d);
  return d;
}

const IMPLEMENTATIONS: readonly { name: string; make: () => Promise<DeviceStore> }[] = [
  { name: 'memory', make: async () => new MemoryStore() },
  { name: 'file', make: async () => new FileStore(join(await tempDir(), 'device')) },
  {
    name: 'indexeddb',
    make: async () =>
      new IndexedDbStore({
        indexedDB: new IDBFactory() as unknown as IdbFactoryLike,
        keyRange: IDBKeyRange as unknown as IdbKeyRangeLike,
      }),
  },
];

const bytes = (...b: number[]) => Uint8Array.from(b);

// One contract, every implementation (STYLE.md: one contract suite per port).
for (const impl of IMPLEMENTATIONS) {
  describe(`DeviceStore contract: ${impl.name}`, () => {
    it('returns what was set, and undefined for a key never set', async () => {
      const s = await impl.make();
      assert.equal(await s.get('device/identity'), undefined);
      await s.set('device/identity', bytes(1, 2, 3));
      assert.deepEqual(await s.get('device/identity'), bytes(1, 2, 3));
    });

    it('replaces a value and deletes it; deleting a missing key is fine', async () => {
      const s = await impl.make();
      await s.set('group/ab/state', bytes(1));
      await s.set('group/ab/state', bytes(2, 2));
      assert.deepEqual(await s.get('group/ab/state'), bytes(2, 2));
      await s.delete('group/ab/state');
      assert.equal(await s.get('group/ab/state'), undefined);
      await s.delete('group/ab/state');
    });

    it('keeps binary values exactly, including empty and large ones', async () => {
      const s = await impl.make();
      const big = new Uint8Array(256 * 1024).map((_, i) => (i * 7) & 0xff);
      await s.set('kp/00', new Uint8Array(0));
      await s.set('kp/01', big);
      assert.deepEqual(await s.get('kp/00'), new Uint8Array(0));
      assert.deepEqual(await s.get('kp/01'), big);
    });

    it('does not share memory with the caller', async () => {
      const s = await impl.make();
      const v = bytes(9, 9);
      await s.set('a', v);
      v[0] = 0;
      const out = await s.get('a');
      assert.deepEqual(out, bytes(9, 9));
      out![1] = 0;
      assert.deepEqual(await s.get('a'), bytes(9, 9));
    });

    it('lists keys by prefix, sorted, without neighbours that only share characters', async () => {
      const s = await impl.make();
      for (const k of ['group/b/state', 'group/a/state', 'group/a/meta', 'groups', 'kp/1'])
        await s.set(k, bytes(0));
      assert.deepEqual(await s.keys('group/'), ['group/a/meta', 'group/a/state', 'group/b/state']);
      assert.deepEqual(await s.keys('group/a/'), ['group/a/meta', 'group/a/state']);
      assert.deepEqual((await s.keys('')).length, 5);
    });

    it('refuses keys that could escape or collide (path segments, dots, upper case)', async () => {
      const s = await impl.make();
      for (const bad of ['', '../x', 'a/../b', '.hidden', 'a//b', 'A', 'a b', 'x'.repeat(201), 'a/']) {
        await assert.rejects(
          () => s.set(bad, bytes(1)),
          (e: unknown) => isHeraldSdkError(e, 'HERALD_SDK_INVALID_ARGUMENT'),
          bad,
        );
      }
    });
  });
}

describe('FileStore', () => {
  it('writes one file per key, readable by the owner only, in a 0700 directory', async () => {
    const dir = join(await tempDir(), 'device');
    const s = new FileStore(dir);
    await s.set('device/identity', bytes(1));
    await s.set('kp/ff', bytes(2));
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    const files = await readdir(dir);
    assert.deepEqual(files.sort(), ['device~identity.bin', 'kp~ff.bin']);
    for (const f of files) assert.equal((await stat(join(dir, f))).mode & 0o777, 0o600);
  });

  it('survives a reopen (the next process sees the data) and leaves no temporary files', async () => {
    const dir = join(await tempDir(), 'device');
    await new FileStore(dir).set('group/aa/state', bytes(5, 6));
    const again = new FileStore(dir);
    assert.deepEqual(await again.get('group/aa/state'), bytes(5, 6));
    assert.deepEqual(await readdir(dir), ['group~aa~state.bin']);
  });

  it('keeps the old value whole while many writers replace it (atomic rename)', async () => {
    const dir = join(await tempDir(), 'device');
    const s = new FileStore(dir);
    const a = new Uint8Array(64 * 1024).fill(1);
    const b = new Uint8Array(64 * 1024).fill(2);
    await s.set('k', a);
    const reads: Promise<Uint8Array | undefined>[] = [];
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      writes.push(s.set('k', i % 2 === 0 ? b : a));
      reads.push(s.get('k'));
    }
    await Promise.all(writes);
    for (const r of await Promise.all(reads)) {
      assert.ok(r !== undefined && r.length === a.length);
      assert.ok(
        r.every((x) => x === r[0]),
        'a reader saw a half-written value',
      );
    }
  });
});

describe('isValidStoreKey', () => {
  it('accepts the keys the device client uses', () => {
    for (const k of [
      'device/identity',
      'kp/0a1b',
      'kp-available',
      'group/00ff/state',
      'directory/checkpoint/0000000000000012',
    ])
      assert.ok(isValidStoreKey(k), k);
  });
});
