// The contract every HashStore implementation must meet (STYLE: one suite per port, run against
// every implementation). An SQLite or PostgreSQL store calls `hashStoreContract` from its own
// test file with a factory that returns an empty store (a fresh log id or a fresh database).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHeraldError } from '../../errors/index.ts';
import { hashLeaf } from '../hash.ts';
import type { HashStore, StoredNode } from '../hash-store.ts';
import { MemoryHashStore } from '../memory-hash-store.ts';
import { MerkleTree } from '../merkle-tree.ts';
import { leafIndex, treeSize } from '../tree-size.ts';

const leaf = (i: number): Uint8Array => hashLeaf(new TextEncoder().encode(`leaf ${i}`));

/** Nodes a store must accept for a move from size 0 to size 3: leaves 0..2 and node 1/0. */
async function threeLeafNodes(): Promise<StoredNode[]> {
  const nodes: StoredNode[] = [];
  const tree = new MerkleTree({
    size: () => Promise.resolve(treeSize(0)),
    getNodes: () => Promise.resolve([]),
    append: (batch) => {
      nodes.push(...batch.nodes);
      return Promise.resolve();
    },
  });
  await tree.appendLeafHashes([leaf(0), leaf(1), leaf(2)]);
  return nodes;
}

function isCode(code: string): (err: unknown) => boolean {
  return (err) => isHeraldError(err) && err.code === code;
}

/** Registers the HashStore contract tests for one implementation. */
export function hashStoreContract(name: string, makeStore: () => HashStore | Promise<HashStore>): void {
  void describe(`HashStore contract: ${name}`, () => {
    void it('starts empty', async () => {
      const store = await makeStore();
      assert.equal(await store.size(), 0);
      assert.deepEqual(await store.getNodes([]), []);
    });

    void it('commits an append and returns nodes in the order asked', async () => {
      const store = await makeStore();
      const nodes = await threeLeafNodes();
      await store.append({ fromSize: treeSize(0), toSize: treeSize(3), nodes });
      assert.equal(await store.size(), 3);
      const asked = [...nodes].reverse();
      const got = await store.getNodes(asked.map((n) => n.id));
      assert.deepEqual(
        got.map((h) => Buffer.from(h).toString('hex')),
        asked.map((n) => Buffer.from(n.hash).toString('hex')),
      );
    });

    void it('refuses an append from a stale size and writes nothing', async () => {
      const store = await makeStore();
      const nodes = await threeLeafNodes();
      await store.append({ fromSize: treeSize(0), toSize: treeSize(3), nodes });
      await assert.rejects(
        store.append({ fromSize: treeSize(0), toSize: treeSize(3), nodes }),
        isCode('HERALD_ERR_TLOG_SIZE_CONFLICT'),
      );
      assert.equal(await store.size(), 3);
    });

    void it('reports a node that was never written', async () => {
      const store = await makeStore();
      await assert.rejects(store.getNodes([{ level: 0, index: 0 }]), isCode('HERALD_ERR_TLOG_MISSING_NODE'));
    });

    void it('hands out hashes the caller may mutate without corrupting the store', async () => {
      const store = await makeStore();
      await store.append({ fromSize: treeSize(0), toSize: treeSize(3), nodes: await threeLeafNodes() });
      const [first] = await store.getNodes([{ level: 0, index: 0 }]);
      const before = Buffer.from(first!).toString('hex');
      first!.fill(0);
      const [again] = await store.getNodes([{ level: 0, index: 0 }]);
      assert.equal(Buffer.from(again!).toString('hex'), before);
    });

    void it('rejects calls whose signal is already aborted', async () => {
      const store = await makeStore();
      const signal = AbortSignal.abort();
      await assert.rejects(store.size({ signal }));
      await assert.rejects(store.getNodes([], { signal }));
    });

    void it('backs a MerkleTree through many small appends', async () => {
      const store = await makeStore();
      const tree = new MerkleTree(store);
      const reference = new MerkleTree(new MemoryHashStore());
      for (let i = 0; i < 40; i += 1 + (i % 3)) {
        const batch = Array.from({ length: 1 + (i % 3) }, (_, j) => leaf(i + j));
        await tree.appendLeafHashes(batch);
        await reference.appendLeafHashes(batch);
      }
      const size = await reference.size();
      assert.equal(await tree.size(), size);
      assert.deepEqual(await tree.root(size), await reference.root(size));
      assert.deepEqual(
        await tree.inclusionProof(leafIndex(3), size),
        await reference.inclusionProof(leafIndex(3), size),
      );
    });

    void it('serves the same roots and proofs across storage boundaries (256 and 65,536 leaves)', async () => {
      const tree = new MerkleTree(await makeStore());
      const reference = new MerkleTree(new MemoryHashStore());
      // Batches that end just before, on and just after the edges a tiled store has.
      const ends = [1, 255, 256, 257, 600, 65_535, 65_536, 65_537, 66_000];
      let size = 0;
      for (const end of ends) {
        const batch = Array.from({ length: end - size }, (_, j) => leaf(size + j));
        await tree.appendLeafHashes(batch);
        await reference.appendLeafHashes(batch);
        size = end;
        const n = treeSize(size);
        assert.deepEqual(await tree.root(n), await reference.root(n), `root at ${size}`);
        for (const i of [0, 255, 256, size - 1, Math.floor(size / 2)].filter((i) => i < size)) {
          assert.deepEqual(
            await tree.inclusionProof(leafIndex(i), n),
            await reference.inclusionProof(leafIndex(i), n),
            `inclusion of ${i} at ${size}`,
          );
        }
        for (const from of ends.filter((e) => e <= size)) {
          assert.deepEqual(
            await tree.consistencyProof(treeSize(from), n),
            await reference.consistencyProof(treeSize(from), n),
            `consistency ${from} → ${size}`,
          );
        }
      }
    });
  });
}
