import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { directoryLeafHash, encodeDirectoryEntry } from './key-directory-entry.ts';

describe('key directory entries', () => {
  it('are the contract JSON, field order fixed, hashed as RFC 9162 leaves', () => {
    const key = new Uint8Array(32).fill(7);
    const entry = encodeDirectoryEntry({
      action: 'publish',
      tenant: 'ten_1',
      user: 'alice',
      device: 'dev_1',
      key,
      at: 1700000000000,
    });
    assert.equal(
      entry,
      `{"v":1,"action":"publish","tenant":"ten_1","user":"alice","device":"dev_1","suite":1,"key":"${Buffer.from(key).toString('base64')}","at":1700000000000}`,
    );
    const expected = createHash('sha256')
      .update(Buffer.from([0x00]))
      .update(entry)
      .digest();
    assert.deepEqual(Buffer.from(directoryLeafHash(entry)), expected);
  });
});
