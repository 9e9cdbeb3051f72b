import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHeraldError } from '../errors/index.ts';
import { hashLeaf } from './hash.ts';
import {
  consistencyProofFromJson,
  consistencyProofToJson,
  inclusionProofFromJson,
  inclusionProofToJson,
} from './proof-json.ts';
import { leafIndex, treeSize } from './tree-size.ts';

const h = hashLeaf(Uint8Array.of(9));
const invalid = (err: unknown) => isHeraldError(err) && err.code === 'HERALD_ERR_TLOG_INVALID_ARGUMENT';

void describe('proof JSON', () => {
  void it('round-trips inclusion and consistency proofs through JSON text', () => {
    const inc = { leafIndex: leafIndex(5), treeSize: treeSize(8), path: [h, h] };
    const json = JSON.parse(JSON.stringify(inclusionProofToJson(inc))) as unknown;
    assert.deepEqual(json, {
      leafIndex: 5,
      treeSize: 8,
      path: [Buffer.from(h).toString('base64'), Buffer.from(h).toString('base64')],
    });
    assert.deepEqual(inclusionProofFromJson(json), inc);
    const cons = { size1: treeSize(3), size2: treeSize(8), path: [h] };
    assert.deepEqual(
      consistencyProofFromJson(JSON.parse(JSON.stringify(consistencyProofToJson(cons)))),
      cons,
    );
  });

  void it('refuses malformed JSON proofs', () => {
    const b64 = Buffer.from(h).toString('base64');
    for (const value of [
      null,
      [],
      { leafIndex: 1, treeSize: 2 },
      { leafIndex: '1', treeSize: 2, path: [] },
      { leafIndex: -1, treeSize: 2, path: [] },
      { leafIndex: 1, treeSize: 2, path: [b64.slice(0, -4)] },
      { leafIndex: 1, treeSize: 2, path: [`${b64} `] },
      { leafIndex: 1, treeSize: 2, path: [], extra: true },
    ]) {
      assert.throws(() => inclusionProofFromJson(value), invalid, JSON.stringify(value));
    }
    assert.throws(() => consistencyProofFromJson({ size1: 1, size2: 2.5, path: [] }), invalid);
  });
});
