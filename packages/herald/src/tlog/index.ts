// The tlog module: RFC 9162 Merkle logs with C2SP signed checkpoints, shared by the journal and
// the key directory. Pure library: storage plugs in through the `HashStore` port.
export { encodeBase64, decodeBase64 } from './base64.ts';
export {
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  type Checkpoint,
  type CheckpointTrust,
  type OpenedCheckpoint,
} from './checkpoint.ts';
export { CompactRange, type NodeVisitor } from './compact-range.ts';
export {
  Ed25519NoteSigner,
  Ed25519NoteVerifier,
  generateNoteKey,
  parseSignerKey,
  parseVerifierKey,
  type GeneratedNoteKey,
} from './ed25519-note-keys.ts';
export {
  emptyRoot,
  hashChildren,
  hashEquals,
  hashLeaf,
  hashLeafText,
  isHash,
  HASH_SIZE,
  type Hash,
} from './hash.ts';
export type { HashStore, HashStoreAppend, HashStoreOptions, StoredNode } from './hash-store.ts';
export { MemoryHashStore } from './memory-hash-store.ts';
export { MerkleTree, type AppendResult, type TreeHead } from './merkle-tree.ts';
export { nodeKey, nodeStart, type NodeId } from './node-id.ts';
export { isValidKeyName, noteKeyId, NOTE_KEY_TYPE_ED25519 } from './note-key-id.ts';
export type { NoteSignOptions, NoteSigner } from './note-signer.ts';
export type { NoteVerifier } from './note-verifier.ts';
export type { ConsistencyProof, InclusionProof } from './proof.ts';
export {
  consistencyProofFromJson,
  consistencyProofToJson,
  inclusionProofFromJson,
  inclusionProofToJson,
  type ConsistencyProofJson,
  type InclusionProofJson,
} from './proof-json.ts';
export { consistencyPlan, foldSubtrees, inclusionPlan, perfectSubtrees, rootPlan } from './proof-plan.ts';
export { openNote, signNote, type NoteSignature, type OpenedNote } from './signed-note.ts';
export { isCount, leafIndex, treeSize, type LeafIndex, type TreeSize } from './tree-size.ts';
export { verifyConsistency } from './verify-consistency.ts';
export { rootFromInclusionProof, verifyInclusion } from './verify-inclusion.ts';
