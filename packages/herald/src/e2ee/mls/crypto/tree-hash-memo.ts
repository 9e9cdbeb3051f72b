/**
 * A bounded memo of `Hash(input)` for RFC 9420 §7.8 tree-hash inputs.
 *
 * ts-mls 1.6.4 validates a joiner's ratchet tree with `verifyParentHashes`, which for every leaf
 * recomputes the tree hash of the sibling subtree under each non-blank ancestor, without
 * memoising: after a few commits with UpdatePaths that is n² hash calls over a few hundred
 * distinct inputs (a 200-member tree: 30,633 calls, 536 distinct). A hash is a pure function,
 * so answering a repeated input from memory changes no result; it only skips the OpenSSL call.
 *
 * Only tree-hash inputs are kept: they begin with their `node_type` (1 = leaf, 2 = parent) and
 * hold the public tree (leaf nodes and parent nodes, which every member and the Delivery Service
 * see in GroupInfo). Other hash inputs of MLS (transcript hashes over possibly encrypted
 * handshake content, reference hashes) begin with other bytes and are never stored. Inputs are
 * bounded in size and number (at most 8,192 of at most 2 KiB); the oldest entry goes first. One
 * memo serves every group of a cipher suite in the process: a hit tells only that the same public
 * node was hashed before, and answers with the digest anyone holding the node can compute.
 */
export class TreeHashMemo {
  readonly #entries = new Map<string, Uint8Array>();
  readonly #capacity: number;
  readonly #maxInput: number;

  constructor(capacity = 8192, maxInputBytes = 2048) {
    this.#capacity = capacity;
    this.#maxInput = maxInputBytes;
  }

  /** `hash(input)`, from memory when `input` is a tree-hash input seen before. */
  digest(input: Uint8Array, hash: (input: Uint8Array) => Uint8Array): Uint8Array {
    const kind = input[0];
    if ((kind !== 1 && kind !== 2) || input.length > this.#maxInput) return hash(input);
    const key = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
    const hit = this.#entries.get(key);
    // A copy each time: ts-mls may zero or modify what it is given.
    if (hit !== undefined) return hit.slice();
    const out = hash(input);
    if (this.#entries.size >= this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, out.slice());
    return out;
  }
}
