import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHeraldError } from '../errors/index.ts';
import { hashLeaf } from './hash.ts';
import { MemoryHashStore } from './memory-hash-store.ts';
import { MerkleTree } from './merkle-tree.ts';
import { hashStoreContract } from './testing/hash-store-contract.ts';
import { treeSize } from './tree-size.ts';

hashStoreContract('MemoryHashStore', () => new MemoryHashStore());

const h = hashLeaf(Uint8Array.of(7));
const invalid = (err: unknown): boolean =>
  isHeraldError(err) && err.code === 'HERALD_ERR_TLOG_INVALID_ARGUMENT';

void describe('MemoryHashStore', () => {
  void it('refuses an append that leaves a completed subtree out, and stays unchanged', async () => {
    const store = new MemoryHashStore();
    const leaves = [0, 1].map((index) => ({ id: { level: 0, index }, hash: h }));
    await assert.rejects(
      store.append({ fromSize: treeSize(0), toSize: treeSize(2), nodes: leaves }),
      invalid,
    );
    assert.equal(await store.size(), 0);
  });

  void it('refuses nodes out of order, beyond the new size or of the wrong length', async () => {
    const store = new MemoryHashStore();
    const at = (level: number, index: number, hash = h) => ({ id: { level, index }, hash });
    const to1 = { fromSize: treeSize(0), toSize: treeSize(1) };
    await assert.rejects(store.append({ ...to1, nodes: [at(0, 1)] }), invalid);
    await assert.rejects(store.append({ ...to1, nodes: [at(0, 0), at(5, 0)] }), invalid);
    await assert.rejects(store.append({ ...to1, nodes: [at(0, 0, new Uint8Array(31))] }), invalid);
    await store.append({ ...to1, nodes: [at(0, 0)] });
    assert.equal(await store.size(), 1);
  });

  void it('grows its level buffers past their first capacity', async () => {
    const store = new MemoryHashStore();
    const nodes = Array.from({ length: 200 }, (_, index) => ({
      id: { level: 0, index },
      hash: hashLeaf(Uint8Array.of(index)),
    }));
    const tree = new MerkleTree(store);
    await tree.appendLeafHashes(nodes.map((n) => n.hash));
    const got = await store.getNodes(nodes.map((n) => n.id));
    assert.deepEqual(
      got,
      nodes.map((n) => n.hash),
    );
  });
});
