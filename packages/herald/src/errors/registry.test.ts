import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERRORS, HeraldError } from './index.ts';

const docs = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');

describe('error registry', () => {
  it('documents every code in docs/errors.md, and nothing that no longer exists', () => {
    const documented = new Set([...docs.matchAll(/`(HERALD_ERR_[A-Z0-9_]+)`/g)].map((m) => m[1]));
    for (const code of Object.keys(ERRORS))
      assert.ok(documented.has(code), `${code} is missing from docs/errors.md`);
    for (const code of documented)
      assert.ok(code! in ERRORS, `${code} is documented but not in the registry`);
  });

  it('names every code HERALD_ERR_<AREA>_<WHAT> with a real HTTP status', () => {
    for (const [code, def] of Object.entries(ERRORS)) {
      assert.match(code, /^HERALD_ERR_[A-Z0-9]+_[A-Z0-9_]+$/);
      assert.ok(def.status >= 400 && def.status < 600, code);
    }
  });

  it('fills message templates from parameters and says whether a retry helps', () => {
    const e = new HeraldError('HERALD_ERR_CHANNEL_THROTTLED', { channel: 'sms' });
    assert.equal(e.message, 'The sms provider is throttling us');
    assert.equal(e.isRetryable, true);
    assert.equal(
      new HeraldError('HERALD_ERR_CHANNEL_REJECTED', { channel: 'sms', detail: 'x' }).isRetryable,
      false,
    );
  });
});
