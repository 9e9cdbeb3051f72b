import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { HeraldSdkError, isHeraldSdkError, SDK_ERRORS } from './sdk-errors.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('SDK error codes', () => {
  it('are each documented in the README with their reason, and the README names no other', () => {
    const documented = new Map(
      [...readme.matchAll(/^\| `(HERALD_SDK_[A-Z_]+)` \| (\w+) \|/gm)].map((m) => [m[1], m[2]]),
    );
    assert.deepEqual([...documented.keys()].sort(), Object.keys(SDK_ERRORS).sort());
    for (const [code, def] of Object.entries(SDK_ERRORS))
      assert.equal(documented.get(code), def.reason, code);
  });

  it('fill their message from parameters and say whether a retry helps', () => {
    const e = new HeraldSdkError('HERALD_SDK_KEY_REVOKED', { userId: 'alice', deviceId: 'dev_1' });
    assert.equal(e.message, 'Device alice:dev_1 is revoked');
    assert.equal(e.isRetryable, false);
    assert.ok(isHeraldSdkError(e, 'HERALD_SDK_KEY_REVOKED'));
    assert.ok(!isHeraldSdkError(e, 'HERALD_SDK_NETWORK'));
    assert.ok(new HeraldSdkError('HERALD_SDK_NETWORK', { detail: 'x' }).isRetryable);
  });
});
