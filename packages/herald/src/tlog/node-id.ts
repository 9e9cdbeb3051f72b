/**
 * Names one perfect (complete) subtree of the log: the node at `level` (0 = leaves) and
 * position `index` within that level. It covers leaves `[index * 2^level, (index + 1) * 2^level)`.
 *
 * Stores keep only these nodes, as Trillian and Tessera tiles do: every hash in a root, an
 * inclusion proof (RFC 9162 §2.1.3) or a consistency proof (§2.1.4) is either a perfect subtree
 * or a fold of at most log2(n) of them along the tree's right edge.
 */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** The first leaf a node covers. */
export function nodeStart(id: NodeId): number {
  return id.index * 2 ** id.level;
}

/** A stable string key for a node, e.g. for maps (`"3/17"`). */
export function nodeKey(id: NodeId): string {
  return `${id.level}/${id.index}`;
}
