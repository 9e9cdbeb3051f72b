import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { emptyRoot, hashChildren, hashEquals, hashLeaf, hashLeafText, isHash } from './hash.ts';
import { fromHex, loadVectors, toHex, type MerkleVectors } from './testing/vectors.ts';

const vectors = loadVectors('rfc9162-merkle.json') as MerkleVectors;

void describe('RFC 9162 hashing', () => {
  void it('gives the empty tree the hash of the empty string', () => {
    assert.equal(toHex(emptyRoot()), vectors.roots_hex[0]);
    assert.equal(toHex(emptyRoot()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  void it('hashes every vector leaf as SHA-256(0x00 || data)', () => {
    vectors.leaves_hex.forEach((hex, i) =>
      assert.equal(toHex(hashLeaf(fromHex(hex))), vectors.node_hashes_hex[0]![i]),
    );
  });

  void it('hashes every vector interior node as SHA-256(0x01 || left || right)', () => {
    for (let level = 1; level < vectors.node_hashes_hex.length; level++) {
      vectors.node_hashes_hex[level]!.forEach((hex, i) => {
        const below = vectors.node_hashes_hex[level - 1]!;
        assert.equal(toHex(hashChildren(fromHex(below[2 * i]!), fromHex(below[2 * i + 1]!))), hex);
      });
    }
  });

  void it('separates leaves from nodes: a leaf holding 0x01||l||r does not hash like the node', () => {
    const l = hashLeaf(Uint8Array.of(1));
    const r = hashLeaf(Uint8Array.of(2));
    assert.ok(!hashEquals(hashLeaf(Uint8Array.of(1, ...l, ...r)), hashChildren(l, r)));
  });

  void it('returns a fresh empty root each time', () => {
    const a = emptyRoot();
    a.fill(0);
    assert.ok(!hashEquals(a, emptyRoot()));
    assert.ok(isHash(emptyRoot()) && !isHash(new Uint8Array(31)) && !isHash('x'));
  });

  void it('hashes a text leaf exactly like its UTF-8 bytes, at any length and in any script', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 2000 }), (text) => {
        assert.ok(hashEquals(hashLeafText(text), hashLeaf(new TextEncoder().encode(text))));
      }),
    );
    const big = 'ü'.repeat(40_000); // beyond the scratch buffer: the slow path
    assert.ok(hashEquals(hashLeafText(big), hashLeaf(new TextEncoder().encode(big))));
  });
});
