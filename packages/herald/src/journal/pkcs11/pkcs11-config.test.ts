// Where the PKCS#11 vault's settings and PIN come from, and the errors when they are missing:
// the PIN from the environment or a file (never both), and no error that carries it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { isHeraldError } from '../../errors/index.ts';
import { pkcs11VaultConfig } from './pkcs11-config.ts';

const configError = (detail: RegExp) => (err: unknown) =>
  isHeraldError(err) && err.code === 'HERALD_ERR_VAULT_CONFIG' && detail.test(err.message);
const base = { HERALD_PKCS11_MODULE: 'lib.so', HERALD_PKCS11_TOKEN: 'archive' };

describe('pkcs11VaultConfig', () => {
  it('reads the settings from the environment, options first, with the default key label', () => {
    const c = pkcs11VaultConfig({ token: 'other' }, { ...base, HERALD_PKCS11_PIN: '1234' });
    assert.deepEqual(c, {
      modulePath: 'lib.so',
      tokenLabel: 'other',
      keyLabel: 'herald-archive',
      pin: '1234',
    });
  });

  it('reads the PIN from the first line of a file, and refuses a PIN given twice or not at all', () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-pin-'));
    try {
      const file = join(dir, 'pin');
      writeFileSync(file, 's3cret-pin\nignored\n');
      assert.equal(pkcs11VaultConfig({ pinFile: file }, base).pin, 's3cret-pin');
      assert.equal(pkcs11VaultConfig({}, { ...base, HERALD_PKCS11_PIN_FILE: file }).pin, 's3cret-pin');
      assert.throws(
        () => pkcs11VaultConfig({ pinFile: file }, { ...base, HERALD_PKCS11_PIN: 'x' }),
        configError(/not both/),
      );
      assert.throws(() => pkcs11VaultConfig({}, base), configError(/never an argument/));
      assert.throws(
        () => pkcs11VaultConfig({ pinFile: join(dir, 'none') }, base),
        configError(/cannot be read/),
      );
      writeFileSync(file, '\n');
      assert.throws(() => pkcs11VaultConfig({ pinFile: file }, base), configError(/1-256/));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the missing module or token, and a bad label, without echoing values', () => {
    const pin = { HERALD_PKCS11_PIN: 'pin-canary' };
    assert.throws(() => pkcs11VaultConfig({}, { ...pin, HERALD_PKCS11_TOKEN: 't' }), configError(/MODULE/));
    assert.throws(() => pkcs11VaultConfig({}, { ...pin, HERALD_PKCS11_MODULE: 'm' }), configError(/TOKEN/));
    const long = 'x'.repeat(33);
    const err = (() => {
      try {
        pkcs11VaultConfig({ key: long }, { ...base, ...pin });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(configError(/key label/)(err));
    assert.ok(!inspect(err).includes('pin-canary') && !inspect(err).includes(long));
  });
});
