import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { randomBytesPooled } from './random-pool.ts';
import { SecretBox } from './secret-box.ts';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('opens what it sealed, for the same row only', () => {
    const sealed = box.seal('canary-91c2', 'msg_1');
    assert.equal(sealed.includes('canary'), false);
    assert.equal(box.open(sealed, 'msg_1'), 'canary-91c2');
    assert.throws(() => box.open(sealed, 'msg_2'), 'a value moved to another row does not open');
  });

  it('refuses tampered or foreign values', () => {
    const sealed = box.seal('hello', 'a');
    // Flip a character well inside the ciphertext: the last base64 characters may carry only
    // padding bits, and changing those would not change a byte.
    const at = sealed.lastIndexOf('.') + 2;
    const flipped = sealed.slice(0, at) + (sealed[at] === 'A' ? 'B' : 'A') + sealed.slice(at + 1);
    assert.throws(() => box.open(flipped, 'a'));
    assert.throws(() => new SecretBox(randomBytes(32)).open(sealed, 'a'));
    assert.throws(() => box.open('plain text', 'a'));
  });

  it('never reuses an IV', () => {
    const ivs = new Set(Array.from({ length: 5000 }, () => box.seal('x', 'a').split('.')[1]));
    assert.equal(ivs.size, 5000);
  });
});

describe('randomBytesPooled', () => {
  it('hands out distinct bytes across pool refills', () => {
    const seen = new Set(Array.from({ length: 3000 }, () => randomBytesPooled(16).toString('hex')));
    assert.equal(seen.size, 3000);
  });
});
