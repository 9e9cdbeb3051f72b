import type { RatchetTree } from 'ts-mls';
import { leafToNodeIndex, toLeafIndex } from 'ts-mls/treemath.js';
import { HeraldError } from '../../errors/index.ts';
import { credentialIdentity } from './credential-validator.ts';
import type { MlsMember } from './mls-engine.ts';

/** The member at a leaf of `tree`; `HERALD_ERR_E2EE_MEMBER_NOT_FOUND` for a blank or absent leaf. */
export function memberAt(tree: RatchetTree, leafIndex: number): MlsMember {
  // Leaf indices are uint32 on the wire (RFC 9420 §7.8); anything else names no leaf.
  const valid = Number.isInteger(leafIndex) && leafIndex >= 0 && leafIndex <= 0xffff_ffff;
  const node = valid ? tree[leafToNodeIndex(toLeafIndex(leafIndex))] : undefined;
  if (node?.nodeType !== 'leaf')
    throw new HeraldError('HERALD_ERR_E2EE_MEMBER_NOT_FOUND', { leaf: leafIndex });
  return {
    leafIndex,
    identity: credentialIdentity(node.leaf.credential),
    signaturePublicKey: node.leaf.signaturePublicKey,
  };
}

/** Every non-blank leaf of `tree`, in leaf order. */
export function treeMembers(tree: RatchetTree): MlsMember[] {
  const out: MlsMember[] = [];
  for (let node = 0; node < tree.length; node += 2)
    if (tree[node] !== undefined) out.push(memberAt(tree, node / 2));
  return out;
}
