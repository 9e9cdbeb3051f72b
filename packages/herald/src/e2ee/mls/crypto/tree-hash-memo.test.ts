import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { TreeHashMemo } from './tree-hash-memo.ts';

const sha256 = (x: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(x).digest());

function counting(): { calls: number; hash: (x: Uint8Array) => Uint8Array } {
  const c = {
    calls: 0,
    hash: (x: Uint8Array) => {
      c.calls++;
      return sha256(x);
    },
  };
  return c;
}

void describe('tree-hash memo', () => {
  void it('answers a repeated tree-hash input from memory with the same digest', () => {
    const memo = new TreeHashMemo();
    const h = counting();
    const leaf = Uint8Array.of(1, 0, 0, 0, 7, 1, 42);
    const parent = Uint8Array.of(2, 0, 32);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(memo.digest(leaf, h.hash), sha256(leaf));
      assert.deepEqual(memo.digest(parent, h.hash), sha256(parent));
    }
    assert.equal(h.calls, 2);
    // Equal bytes in another array (and at an offset) are the same input.
    const shifted = new Uint8Array(10);
    shifted.set(leaf, 3);
    assert.deepEqual(memo.digest(shifted.subarray(3, 3 + leaf.length), h.hash), sha256(leaf));
    assert.equal(h.calls, 2);
  });

  void it('hands out copies: a caller zeroing its digest does not change the next answer', () => {
    const memo = new TreeHashMemo();
    const h = counting();
    const leaf = Uint8Array.of(1, 9, 9);
    memo.digest(leaf, h.hash).fill(0);
    memo.digest(leaf, h.hash).fill(0);
    assert.deepEqual(memo.digest(leaf, h.hash), sha256(leaf));
    assert.equal(h.calls, 1);
  });

  void it('never stores other inputs (transcripts, references) or oversized ones', () => {
    const memo = new TreeHashMemo(8, 16);
    const h = counting();
    const transcript = Uint8Array.of(0, 2, 5, 5);
    const reference = Uint8Array.of(0x1c, 1, 2);
    const big = new Uint8Array(17).fill(1);
    for (let i = 0; i < 2; i++)
      for (const x of [transcript, reference, big, new Uint8Array()]) memo.digest(x, h.hash);
    assert.equal(h.calls, 8);
  });

  void it('keeps at most its capacity, dropping the oldest first', () => {
    const memo = new TreeHashMemo(2);
    const h = counting();
    const [a, b, c] = [Uint8Array.of(1, 1), Uint8Array.of(1, 2), Uint8Array.of(1, 3)];
    for (const x of [a, b, c]) memo.digest(x, h.hash);
    memo.digest(c, h.hash);
    memo.digest(b, h.hash);
    assert.equal(h.calls, 3);
    memo.digest(a, h.hash);
    assert.equal(h.calls, 4);
  });
});
