import { bytesToBase64, type ClientState, type Commit, type Proposal, type RatchetTree } from 'ts-mls';
import { HeraldError } from '../../errors/index.ts';
import { proposalTypeName } from './mls-framing.ts';

// RFC 9420 §17.4 ("MLS Proposal Types" registry, column "Path Required"): only these may be
// committed without an UpdatePath. Unknown (custom) types are treated as requiring one.
const PATH_OPTIONAL: ReadonlySet<string> = new Set(['add', 'psk', 'reinit']);

/**
 * RFC 9420 §12.4: a commit must carry an UpdatePath when it covers no proposals, or any proposal
 * whose type requires one — Update, Remove, ExternalInit, GroupContextExtensions. ts-mls 1.6.4
 * only demands a path for Update and Remove (and empty commits), so a GroupContextExtensions
 * commit slips through there; 2.0.0-rc.10 even drops it for Remove. Herald checks itself.
 */
export function commitRequiresPath(proposals: readonly Proposal[]): boolean {
  return (
    proposals.length === 0 ||
    proposals.some((p) => typeof p.proposalType === 'number' || !PATH_OPTIONAL.has(p.proposalType))
  );
}

/**
 * The proposals a commit covers, by value and by reference (looked up among the proposals this
 * member has received). An unknown reference is left out; ts-mls refuses the commit for it.
 */
export function resolveCommitProposals(state: ClientState, commit: Commit): Proposal[] {
  const out: Proposal[] = [];
  for (const p of commit.proposals) {
    if (p.proposalOrRefType === 'proposal') out.push(p.proposal);
    else {
      const known = state.unappliedProposals[bytesToBase64(p.reference)];
      if (known !== undefined) out.push(known.proposal);
    }
  }
  return out;
}

/** The proposals a commit created now would cover: all received ones plus `extra`. */
export function pendingProposals(state: ClientState, extra: readonly Proposal[]): Proposal[] {
  return [...Object.values(state.unappliedProposals).map((p) => p.proposal), ...extra];
}

/** Leaves that a received, not yet committed Remove proposal removes. */
export function pendingRemovals(state: ClientState): Set<number> {
  const out = new Set<number>();
  for (const { proposal } of Object.values(state.unappliedProposals))
    if (proposal.proposalType === 'remove') out.add(proposal.remove.removed);
  return out;
}

function treeKeys(tree: RatchetTree): Set<string> {
  const keys = new Set<string>();
  for (const node of tree) {
    if (node === undefined) continue;
    keys.add(bytesToBase64(node.nodeType === 'leaf' ? node.leaf.hpkePublicKey : node.parent.hpkePublicKey));
  }
  return keys;
}

/**
 * Every HPKE public key a commit brings into the tree — the UpdatePath's leaf and parent keys
 * and the leaves of Update and Add proposals — must be fresh: in no node of the current tree and
 * not repeated (RFC 9420 §7.3 and §12.4.2). ts-mls 1.6.4 compares path keys only with parent
 * nodes and never compares new leaves with the tree. Returns whether a key is reused.
 */
export function commitReusesHpkeKey(
  tree: RatchetTree,
  proposals: readonly Proposal[],
  commit: Commit,
): boolean {
  const introduced: Uint8Array[] = [];
  for (const p of proposals) {
    if (p.proposalType === 'add') introduced.push(p.add.keyPackage.leafNode.hpkePublicKey);
    else if (p.proposalType === 'update') introduced.push(p.update.leafNode.hpkePublicKey);
  }
  if (commit.path !== undefined) {
    introduced.push(commit.path.leafNode.hpkePublicKey);
    for (const node of commit.path.nodes) introduced.push(node.hpkePublicKey);
  }
  const existing = treeKeys(tree);
  const seen = new Set<string>();
  for (const key of introduced) {
    const id = bytesToBase64(key);
    if (existing.has(id) || seen.has(id)) return true;
    seen.add(id);
  }
  return false;
}

/**
 * Herald's checks on an incoming commit, before ts-mls applies it: the UpdatePath rule of
 * RFC 9420 §12.4 and fresh HPKE keys. Throws a `HeraldError`.
 */
export function checkIncomingCommit(state: ClientState, commit: Commit): void {
  const proposals = resolveCommitProposals(state, commit);
  if (commit.path === undefined && commitRequiresPath(proposals))
    throw new HeraldError('HERALD_ERR_E2EE_COMMIT_PATH_REQUIRED', {
      proposals: describeProposals(proposals),
    });
  if (commitReusesHpkeKey(state.ratchetTree, proposals, commit))
    throw new HeraldError('HERALD_ERR_E2EE_KEY_REUSED');
}

/** `remove, add` or `no proposals`: proposal types only, never their contents. */
export function describeProposals(proposals: readonly Proposal[]): string {
  return proposals.length === 0 ? 'no proposals' : [...new Set(proposals.map(proposalTypeName))].join(', ');
}
