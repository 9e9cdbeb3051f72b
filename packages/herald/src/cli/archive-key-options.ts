import { HeraldError } from '../errors/index.ts';
import { FileKeyVault, type KeyVault } from '../journal/index.ts';
import { Pkcs11KeyVault, pkcs11VaultConfig } from '../journal/pkcs11/index.ts';

/**
 * The options that say where the archive private key is, shared by `journal export run` and
 * `journal keygen`: a key file (`--archive-key`, development) or a PKCS#11 token (`--pkcs11`).
 * There is deliberately no PIN option: it comes from `HERALD_PKCS11_PIN` or a PIN file, so it
 * never shows in a process list or a shell history.
 */
export const ARCHIVE_KEY_OPTIONS = {
  'archive-key': { type: 'string' },
  pkcs11: { type: 'boolean' },
  'pkcs11-module': { type: 'string' },
  'pkcs11-token': { type: 'string' },
  'pkcs11-key': { type: 'string' },
  'pkcs11-pin-file': { type: 'string' },
} as const;

export const ARCHIVE_KEY_USAGE =
  '--archive-key <file> | --pkcs11 [--pkcs11-module <lib>] [--pkcs11-token <label>] [--pkcs11-key <label>] [--pkcs11-pin-file <file>]';

/** Parsed values of {@link ARCHIVE_KEY_OPTIONS}. */
export interface ArchiveKeyValues {
  readonly 'archive-key'?: string | undefined;
  readonly pkcs11?: boolean | undefined;
  readonly 'pkcs11-module'?: string | undefined;
  readonly 'pkcs11-token'?: string | undefined;
  readonly 'pkcs11-key'?: string | undefined;
  readonly 'pkcs11-pin-file'?: string | undefined;
}

/** A vault the command closes when done (logging out of the token). */
export type ClosableVault = KeyVault & { close(): Promise<void> };

/** True when exactly one of the two key locations is given. */
export function archiveKeyGiven(values: ArchiveKeyValues): boolean {
  return (values['archive-key'] !== undefined) !== (values.pkcs11 === true);
}

/** Opens (or, with `create`, first generates) the archive key the options point at. */
export async function openArchiveVault(
  values: ArchiveKeyValues,
  env: Readonly<Record<string, string | undefined>>,
  create = false,
): Promise<ClosableVault> {
  if (!archiveKeyGiven(values)) {
    throw new HeraldError('HERALD_ERR_VAULT_CONFIG', { detail: 'give either --archive-key or --pkcs11' });
  }
  if (values.pkcs11 !== true) {
    const path = values['archive-key']!;
    const vault = create ? await FileKeyVault.generate(path) : await FileKeyVault.load(path);
    return Object.assign(vault, { close: () => Promise.resolve() });
  }
  const config = pkcs11VaultConfig(
    {
      module: values['pkcs11-module'],
      token: values['pkcs11-token'],
      key: values['pkcs11-key'],
      pinFile: values['pkcs11-pin-file'],
    },
    env,
  );
  return create ? Pkcs11KeyVault.generate(config) : Pkcs11KeyVault.open(config);
}
