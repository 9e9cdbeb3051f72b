import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHeraldError } from '../errors/index.ts';
import { hashLeaf } from './hash.ts';
import type { HashStore } from './hash-store.ts';
import { MemoryHashStore } from './memory-hash-store.ts';
import { MerkleTree } from './merkle-tree.ts';
import { fromHex, loadVectors, toHex, type MerkleVectors } from './testing/vectors.ts';
import { leafIndex, treeSize } from './tree-size.ts';
import { verifyConsistency } from './verify-consistency.ts';
import { verifyInclusion } from './verify-inclusion.ts';

const vectors = loadVectors('rfc9162-merkle.json') as MerkleVectors;
const leaves = vectors.leaves_hex.map(fromHex);
const hex = (hs: readonly Uint8Array[]): string[] => hs.map(toHex);
const code = (c: string) => (err: unknown) => isHeraldError(err) && err.code === c;

/** A store that counts calls, to check the O(log n) read and write bounds. */
class CountingStore implements HashStore {
  readonly inner = new MemoryHashStore();
  getCalls = 0;
  nodesRead = 0;
  nodesWritten = 0;
  size(opts?: { signal?: AbortSignal }) {
    return this.inner.size(opts);
  }
  getNodes(ids: Parameters<HashStore['getNodes']>[0], opts?: { signal?: AbortSignal }) {
    this.getCalls++;
    this.nodesRead += ids.length;
    return this.inner.getNodes(ids, opts);
  }
  append(batch: Parameters<HashStore['append']>[0], opts?: { signal?: AbortSignal }) {
    this.nodesWritten += batch.nodes.length;
    return this.inner.append(batch, opts);
  }
}

async function vectorTree(): Promise<{ tree: MerkleTree; store: MemoryHashStore }> {
  const store = new MemoryHashStore();
  const tree = new MerkleTree(store);
  await tree.append(leaves);
  return { tree, store };
}

void describe('MerkleTree against the RFC 9162 vectors', () => {
  void it('has the vector root at every size 0..8', async () => {
    const { tree } = await vectorTree();
    for (let n = 0; n <= leaves.length; n++)
      assert.equal(toHex(await tree.root(treeSize(n))), vectors.roots_hex[n], `size ${n}`);
  });

  void it('stores exactly the vector perfect subtrees', async () => {
    const { store } = await vectorTree();
    for (const [level, row] of vectors.node_hashes_hex.entries()) {
      assert.deepEqual(hex(await store.getNodes(row.map((_, index) => ({ level, index })))), row);
    }
  });

  void it('produces and verifies every vector inclusion proof', async () => {
    const { tree } = await vectorTree();
    for (const v of vectors.inclusion_proofs) {
      const proof = await tree.inclusionProof(leafIndex(v.leaf_index), treeSize(v.tree_size));
      assert.deepEqual(hex(proof.path), v.path_hex, `PATH(${v.leaf_index}, D[${v.tree_size}])`);
      const vectorProof = {
        leafIndex: leafIndex(v.leaf_index),
        treeSize: treeSize(v.tree_size),
        path: v.path_hex.map(fromHex),
      };
      const root = fromHex(vectors.roots_hex[v.tree_size]!);
      assert.ok(verifyInclusion(vectorProof, hashLeaf(leaves[v.leaf_index]!), root));
    }
  });

  void it('produces and verifies every vector consistency proof', async () => {
    const { tree } = await vectorTree();
    for (const v of vectors.consistency_proofs) {
      const proof = await tree.consistencyProof(treeSize(v.size1), treeSize(v.size2));
      assert.deepEqual(hex(proof.path), v.proof_hex, `PROOF(${v.size1}, D[${v.size2}])`);
      const vectorProof = {
        size1: treeSize(v.size1),
        size2: treeSize(v.size2),
        path: v.proof_hex.map(fromHex),
      };
      const [r1, r2] = [fromHex(vectors.roots_hex[v.size1]!), fromHex(vectors.roots_hex[v.size2]!)];
      assert.ok(verifyConsistency(vectorProof, r1, r2), `PROOF(${v.size1}, D[${v.size2}]) verifies`);
    }
  });

  void it('gives the same tree whatever the batch split', async () => {
    const reference = await vectorTree();
    for (const split of [
      [1, 1, 1, 1, 1, 1, 1, 1],
      [3, 5],
      [7, 1],
      [0, 2, 0, 6],
    ]) {
      const store = new MemoryHashStore();
      const tree = new MerkleTree(store);
      let at = 0;
      for (const n of split) {
        const result = await tree.append(leaves.slice(at, at + n));
        assert.equal(result.firstIndex, at);
        at += n;
        assert.equal(toHex(result.root), vectors.roots_hex[at]);
      }
      for (const level of [0, 1, 2, 3]) {
        const ids = vectors.node_hashes_hex[level]!.map((_, index) => ({ level, index }));
        assert.deepEqual(await store.getNodes(ids), await reference.store.getNodes(ids));
      }
    }
  });
});

void describe('MerkleTree', () => {
  void it('reads O(log n) nodes in one call per proof and writes O(batch + log n) nodes per append', async () => {
    const store = new CountingStore();
    const tree = new MerkleTree(store);
    const batch = Array.from({ length: 1000 }, (_, i) => hashLeaf(Uint8Array.of(i % 256, i >> 8)));
    for (let i = 0; i < 5; i++) await tree.appendLeafHashes(batch);
    assert.ok(store.nodesWritten < 2 * 5000, `wrote ${store.nodesWritten} nodes for 5000 leaves`);
    const size = treeSize(4999); // not a power of two: the right edge is ragged
    for (const [name, run] of [
      ['root', () => tree.root(size)],
      ['inclusion', () => tree.inclusionProof(leafIndex(4998), size)],
      ['consistency', () => tree.consistencyProof(treeSize(1234), size)],
    ] as const) {
      store.getCalls = 0;
      store.nodesRead = 0;
      await run();
      assert.equal(store.getCalls, 1, name);
      assert.ok(store.nodesRead <= 2 * Math.ceil(Math.log2(4999)), `${name} read ${store.nodesRead} nodes`);
    }
  });

  void it('returns the head and leaf hashes it stored', async () => {
    const { tree } = await vectorTree();
    const head = await tree.head();
    assert.equal(head.size, 8);
    assert.equal(toHex(head.root), vectors.roots_hex[8]);
    assert.equal(toHex(await tree.leafHash(leafIndex(5))), vectors.node_hashes_hex[0]![5]);
  });

  void it('refuses sizes and indexes beyond the log', async () => {
    const { tree } = await vectorTree();
    const beyond = code('HERALD_ERR_TLOG_BEYOND_SIZE');
    await assert.rejects(tree.root(treeSize(9)), beyond);
    await assert.rejects(tree.leafHash(leafIndex(8)), beyond);
    await assert.rejects(tree.inclusionProof(leafIndex(3), treeSize(3)), beyond);
    await assert.rejects(tree.inclusionProof(leafIndex(3), treeSize(9)), beyond);
    await assert.rejects(tree.consistencyProof(treeSize(5), treeSize(4)), beyond);
    await assert.rejects(tree.consistencyProof(treeSize(5), treeSize(9)), beyond);
    await assert.rejects(tree.root(-1 as never), code('HERALD_ERR_TLOG_INVALID_ARGUMENT'));
    await assert.rejects(
      tree.inclusionProof(1.5 as never, treeSize(3)),
      code('HERALD_ERR_TLOG_INVALID_ARGUMENT'),
    );
    await assert.rejects(
      tree.appendLeafHashes([new Uint8Array(31)]),
      code('HERALD_ERR_TLOG_INVALID_ARGUMENT'),
    );
  });

  void it('serialises concurrent appends through one tree', async () => {
    const tree = new MerkleTree(new MemoryHashStore());
    const results = await Promise.all(leaves.map((l) => tree.append([l])));
    assert.deepEqual(
      results.map((r) => r.firstIndex),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    assert.equal(toHex(await tree.root(treeSize(8))), vectors.roots_hex[8]);
  });

  void it('keeps appending after a failed append', async () => {
    const tree = new MerkleTree(new MemoryHashStore());
    await assert.rejects(tree.append([leaves[0]!], { signal: AbortSignal.abort() }));
    await tree.append(leaves);
    assert.equal(toHex(await tree.root(treeSize(8))), vectors.roots_hex[8]);
  });

  void it('reports a conflict when another sequencer appended to the same store', async () => {
    const store = new MemoryHashStore();
    const a = new MerkleTree(store);
    const b = new MerkleTree(store);
    let wait!: () => void;
    const gate = new Promise<void>((resolve) => (wait = resolve));
    // Let `a` read the size, then let `b` append before `a` writes.
    const slow: HashStore = {
      size: (o) => store.size(o),
      getNodes: (ids, o) => store.getNodes(ids, o),
      append: async (batch, o) => {
        await gate;
        return store.append(batch, o);
      },
    };
    const pending = new MerkleTree(slow).append([leaves[0]!]);
    await a.append([leaves[1]!]);
    wait();
    await assert.rejects(pending, code('HERALD_ERR_TLOG_SIZE_CONFLICT'));
    assert.equal(await b.size(), 1);
  });
});
