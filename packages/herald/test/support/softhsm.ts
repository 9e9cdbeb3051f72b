// A throwaway SoftHSM2 token for the PKCS#11 vault tests: its own config and token directory in
// a temp dir, initialised with softhsm2-util. SoftHSM reads SOFTHSM2_CONF at C_Initialize, so
// the variable is set for this process while the token is in use.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The usual places Debian and Ubuntu install the module (package softhsm2).
const MODULE_PATHS = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
];

/** The SoftHSM2 module path, or why the tests must skip. */
export function findSoftHsm(): { modulePath: string } | { skip: string } {
  const modulePath = MODULE_PATHS.find((p) => existsSync(p));
  if (modulePath === undefined) return { skip: 'SoftHSM2 is not installed (Debian package softhsm2)' };
  if (spawnSync('softhsm2-util', ['--version']).status !== 0) {
    return { skip: 'softhsm2-util is not on the PATH (Debian package softhsm2)' };
  }
  return { modulePath };
}

export interface SoftHsmToken {
  readonly modulePath: string;
  readonly tokenLabel: string;
  readonly pin: string;
  readonly dir: string;
  /** Initialises another token in the same token directory. */
  addToken(label: string): void;
  dispose(): void;
}

/** Initialises a fresh token labelled `label` in a new temp dir and points SOFTHSM2_CONF at it. */
export function initSoftHsmToken(modulePath: string, tokenLabel: string): SoftHsmToken {
  const dir = mkdtempSync(join(tmpdir(), 'herald-softhsm-'));
  const tokens = join(dir, 'tokens');
  mkdirSync(tokens);
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const previous = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = conf;
  const pin = `pin-${Math.random().toString(36).slice(2, 10)}`;
  const addToken = (label: string): void => {
    execFileSync(
      'softhsm2-util',
      ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', `so-${pin}`],
      { env: { ...process.env, SOFTHSM2_CONF: conf }, stdio: 'pipe' },
    );
  };
  addToken(tokenLabel);
  return {
    modulePath,
    tokenLabel,
    pin,
    dir,
    addToken,
    dispose() {
      if (previous === undefined) delete process.env.SOFTHSM2_CONF;
      else process.env.SOFTHSM2_CONF = previous;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
