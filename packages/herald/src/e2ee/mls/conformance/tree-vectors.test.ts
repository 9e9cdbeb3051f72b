// Official MLS test vectors for the ratchet tree: tree-math, tree-validation, tree-operations and
// treekem (test-vectors.md), run with ts-mls's real functions on both crypto providers.
import assert from 'node:assert/strict';
import type { CiphersuiteImpl, GroupContext, LeafNode, RatchetTree, UpdatePath } from 'ts-mls';
import { applyUpdatePathSecret } from 'ts-mls/createCommit.js';
import { getCiphersuiteNameFromId, type CiphersuiteId } from 'ts-mls/crypto/ciphersuite.js';
import { deriveSecret } from 'ts-mls/crypto/kdf.js';
import { verifyLeafNodeSignature, verifyLeafNodeSignatureKeyPackage } from 'ts-mls/leafNode.js';
import { verifyParentHashes } from 'ts-mls/parentHash.js';
import { getCommitSecret, pathToRoot } from 'ts-mls/pathSecrets.js';
import { toPrivateKeyPath, type PrivateKeyPath } from 'ts-mls/privateKeyPath.js';
import { decodeProposal } from 'ts-mls/proposal.js';
import {
  addLeafNode,
  decodeRatchetTree,
  encodeRatchetTree,
  removeLeafNode,
  resolution,
  updateLeafNode,
} from 'ts-mls/ratchetTree.js';
import { treeHash, treeHashRoot } from 'ts-mls/treeHash.js';
import {
  isLeaf,
  left,
  leafToNodeIndex,
  leafWidth,
  nodeToLeafIndex,
  nodeWidth,
  parent,
  right,
  root,
  sibling,
  toLeafIndex,
  toNodeIndex,
  type NodeIndex,
} from 'ts-mls/treemath.js';
import { applyUpdatePath, createUpdatePath, decodeUpdatePath } from 'ts-mls/updatePath.js';
import { hex, sameBytes, vectorTests } from './vector-harness.ts';

const suiteOf = (v: { cipher_suite: number }): number => v.cipher_suite;
const need = (cs: CiphersuiteImpl | undefined): CiphersuiteImpl => {
  assert.ok(cs);
  return cs;
};

function tree(h: string): RatchetTree {
  const bytes = hex(h);
  const d = decodeRatchetTree(bytes, 0);
  assert.ok(d, 'ratchet tree decodes');
  assert.equal(d[1], bytes.length, 'ratchet tree has no trailing bytes');
  return d[0];
}

interface TreeMath {
  n_leaves: number;
  n_nodes: number;
  root: number;
  left: (number | null)[];
  right: (number | null)[];
  parent: (number | null)[];
  sibling: (number | null)[];
}

vectorTests<TreeMath>('tree-math.json', async (v) => {
  assert.equal(nodeWidth(v.n_leaves), v.n_nodes);
  assert.equal(root(v.n_leaves), v.root);
  const rootIndex = root(v.n_leaves);
  for (let i = 0; i < v.n_nodes; i++) {
    const x = toNodeIndex(i);
    assert.equal(isLeaf(x) ? null : left(x), v.left[i], `left(${i})`);
    assert.equal(isLeaf(x) ? null : right(x), v.right[i], `right(${i})`);
    assert.equal(i === rootIndex ? null : parent(x, v.n_leaves), v.parent[i], `parent(${i})`);
    assert.equal(i === rootIndex ? null : sibling(x, v.n_leaves), v.sibling[i], `sibling(${i})`);
  }
});

interface TreeValidation {
  cipher_suite: number;
  tree: string;
  group_id: string;
  resolutions: number[][];
  tree_hashes: string[];
}

vectorTests<TreeValidation>(
  'tree-validation.json',
  async (v, c) => {
    const cs = need(c);
    const t = tree(v.tree);
    for (const [i, expected] of v.resolutions.entries())
      assert.deepEqual(resolution(t, toNodeIndex(i)), expected, `resolution(${i})`);
    for (const [i, expected] of v.tree_hashes.entries())
      sameBytes(await treeHash(t, toNodeIndex(i), cs.hash), expected, `tree hash of node ${i}`);
    assert.ok(await verifyParentHashes(t, cs.hash), 'parent hashes verify');
    for (const [i, node] of t.entries()) {
      if (node?.nodeType !== 'leaf') continue;
      const leaf = node.leaf;
      const ok =
        leaf.leafNodeSource === 'key_package'
          ? await verifyLeafNodeSignatureKeyPackage({ ...leaf, leafNodeSource: 'key_package' }, cs.signature)
          : await verifyLeafNodeSignature(
              leaf,
              hex(v.group_id),
              nodeToLeafIndex(toNodeIndex(i)),
              cs.signature,
            );
      assert.ok(ok, `leaf ${i / 2} signature`);
    }
  },
  { suiteOf },
);

interface TreeOperations {
  cipher_suite: number;
  tree_before: string;
  proposal: string;
  proposal_sender: number;
  tree_hash_before: string;
  tree_after: string;
  tree_hash_after: string;
}

vectorTests<TreeOperations>(
  'tree-operations.json',
  async (v, c) => {
    const cs = need(c);
    const before = tree(v.tree_before);
    sameBytes(await treeHashRoot(before, cs.hash), v.tree_hash_before, 'tree_hash_before');
    const proposal = decodeProposal(hex(v.proposal), 0)?.[0];
    assert.ok(proposal);
    let after: RatchetTree;
    if (proposal.proposalType === 'add') after = addLeafNode(before, proposal.add.keyPackage.leafNode)[0];
    else if (proposal.proposalType === 'update')
      after = updateLeafNode(before, proposal.update.leafNode, toLeafIndex(v.proposal_sender));
    else if (proposal.proposalType === 'remove')
      after = removeLeafNode(before, toLeafIndex(proposal.remove.removed));
    else throw new Error(`unexpected proposal ${String(proposal.proposalType)}`);
    sameBytes(encodeRatchetTree(after), v.tree_after, 'tree_after');
    sameBytes(await treeHashRoot(after, cs.hash), v.tree_hash_after, 'tree_hash_after');
  },
  { suiteOf },
);

interface TreeKem {
  cipher_suite: number;
  group_id: string;
  epoch: number;
  confirmed_transcript_hash: string;
  ratchet_tree: string;
  leaves_private: {
    index: number;
    encryption_priv: string;
    signature_priv: string;
    path_secrets: { node: number; path_secret: string }[];
  }[];
  update_paths: {
    sender: number;
    update_path: string;
    path_secrets: (string | null)[];
    commit_secret: string;
    tree_hash_after: string;
  }[];
}

/** The private TreeKEM state of one leaf, checked against the public tree. */
async function privateState(
  t: RatchetTree,
  leaf: TreeKem['leaves_private'][number],
  cs: CiphersuiteImpl,
): Promise<PrivateKeyPath> {
  const secrets: Record<number, Uint8Array> = {};
  for (const p of leaf.path_secrets) {
    secrets[p.node] = hex(p.path_secret);
    const { publicKey } = await cs.hpke.deriveKeyPair(await deriveSecret(hex(p.path_secret), 'node', cs.kdf));
    const node = t[p.node];
    assert.equal(node?.nodeType, 'parent', `node ${p.node} is a non-blank parent`);
    if (node?.nodeType === 'parent')
      sameBytes(await cs.hpke.exportPublicKey(publicKey), node.parent.hpkePublicKey, `key of node ${p.node}`);
  }
  const derived = await toPrivateKeyPath(secrets, leaf.index, cs);
  return {
    leafIndex: leaf.index,
    privateKeys: {
      ...derived.privateKeys,
      [leafToNodeIndex(toLeafIndex(leaf.index))]: hex(leaf.encryption_priv),
    },
  };
}

/** Processes `path` from `sender` as leaf `receiver`: the decrypted path secret and commit secret. */
async function receive(
  updated: RatchetTree,
  priv: PrivateKeyPath,
  sender: number,
  context: GroupContext,
  path: UpdatePath,
  cs: CiphersuiteImpl,
): Promise<{ pathSecret: Uint8Array; commitSecret: Uint8Array }> {
  const secret = await applyUpdatePathSecret(updated, priv, toLeafIndex(sender), context, path, [], cs);
  const secrets = await pathToRoot(updated, secret.nodeIndex, secret.pathSecret, cs.kdf);
  const rootSecret = secrets[root(leafWidth(updated.length))];
  assert.ok(rootSecret, 'path reaches the root');
  return { pathSecret: secret.pathSecret, commitSecret: await deriveSecret(rootSecret, 'path', cs.kdf) };
}

vectorTests<TreeKem>(
  'treekem.json',
  async (v, c) => {
    const cs = need(c);
    const t = tree(v.ratchet_tree);
    const base: GroupContext = {
      version: 'mls10',
      cipherSuite: getCiphersuiteNameFromId(v.cipher_suite as CiphersuiteId),
      groupId: hex(v.group_id),
      epoch: BigInt(v.epoch),
      treeHash: await treeHashRoot(t, cs.hash),
      confirmedTranscriptHash: hex(v.confirmed_transcript_hash),
      extensions: [],
    };
    const privates = new Map<number, PrivateKeyPath>();
    for (const leaf of v.leaves_private) privates.set(leaf.index, await privateState(t, leaf, cs));
    const receivers = (sender: number): number[] =>
      [...privates.keys()].filter((j) => j !== sender && t[leafToNodeIndex(toLeafIndex(j))] !== undefined);

    for (const up of v.update_paths) {
      const decoded = decodeUpdatePath(hex(up.update_path), 0);
      assert.ok(decoded);
      const path = decoded[0];
      const leafNode = path.leafNode as LeafNode;
      assert.ok(
        await verifyLeafNodeSignature(leafNode, base.groupId, up.sender, cs.signature),
        'path leaf signature',
      );
      const updated = await applyUpdatePath(t, toLeafIndex(up.sender), path, cs.hash);
      assert.ok(await verifyParentHashes(updated, cs.hash), 'UpdatePath is parent-hash valid');
      sameBytes(await treeHashRoot(updated, cs.hash), up.tree_hash_after, 'tree_hash_after');
      const context = { ...base, treeHash: await treeHashRoot(updated, cs.hash) };
      for (const j of receivers(up.sender)) {
        const r = await receive(updated, privates.get(j)!, up.sender, context, path, cs);
        const expected = up.path_secrets[j];
        assert.ok(expected, `a path secret for leaf ${j}`);
        sameBytes(r.pathSecret, expected, `path secret for leaf ${j}`);
        sameBytes(r.commitSecret, up.commit_secret, `commit secret at leaf ${j}`);
      }

      // Our own UpdatePath from the same sender must be processed by every other leaf alike.
      const signer = v.leaves_private.find((l) => l.index === up.sender);
      assert.ok(signer, 'sender has private state');
      // createUpdatePath encrypts under epoch + 1 (as when committing); undo that here so the
      // context is exactly the vector's.
      const [mine, newPath, pathSecrets] = await createUpdatePath(
        t,
        toLeafIndex(up.sender),
        { ...base, epoch: base.epoch - 1n },
        hex(signer.signature_priv),
        cs,
      );
      const last = pathSecrets.at(-1);
      assert.ok(last);
      const newCommitSecret = await getCommitSecret(
        mine,
        toNodeIndex(last.nodeIndex) as NodeIndex,
        last.secret,
        cs.kdf,
      );
      const merged = await applyUpdatePath(t, toLeafIndex(up.sender), newPath, cs.hash);
      const newContext = { ...base, treeHash: await treeHashRoot(merged, cs.hash) };
      for (const j of receivers(up.sender)) {
        const r = await receive(merged, privates.get(j)!, up.sender, newContext, newPath, cs);
        sameBytes(r.commitSecret, newCommitSecret, `new commit secret at leaf ${j}`);
      }
    }
  },
  { suiteOf },
);
