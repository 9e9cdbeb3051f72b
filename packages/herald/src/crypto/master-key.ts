import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeraldError } from '../errors/index.ts';

/**
 * The gateway's master key, for sealing values at rest: from the environment in production,
 * from `<dataDir>/master.key` (created with mode 0600 on first start) in sandbox mode.
 */
export function loadMasterKey(envKey: string | undefined, dataDir: string, create: boolean): Buffer {
  if (envKey) {
    const k = Buffer.from(envKey, 'base64');
    if (k.length !== 32)
      throw new HeraldError('HERALD_ERR_CONFIG_INVALID', {
        detail: 'HERALD_MASTER_KEY must be 32 bytes, base64',
      });
    return k;
  }
  const file = join(dataDir, 'master.key');
  if (existsSync(file)) {
    const k = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (k.length !== 32)
      throw new HeraldError('HERALD_ERR_CONFIG_INVALID', { detail: `${file} does not hold a 32-byte key` });
    return k;
  }
  if (!create) {
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', {
      detail: 'set HERALD_MASTER_KEY (or run `herald serve --sandbox` once)',
    });
  }
  mkdirSync(dataDir, { recursive: true });
  const k = randomBytes(32);
  writeFileSync(file, `${k.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return k;
}
