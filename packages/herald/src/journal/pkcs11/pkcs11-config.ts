import { readFileSync } from 'node:fs';
import { HeraldError } from '../../errors/index.ts';
import type { Pkcs11VaultConfig } from './pkcs11-key-vault.ts';

/** The archive key's label when none is given. */
export const DEFAULT_ARCHIVE_KEY_LABEL = 'herald-archive';

/** What an operator sets, from command-line options or the environment (options win). */
export interface Pkcs11Settings {
  readonly module?: string | undefined;
  readonly token?: string | undefined;
  readonly key?: string | undefined;
  /** A file holding the PIN (first line). The PIN itself is never a command-line argument. */
  readonly pinFile?: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

const MAX_PIN = 256;
const LABEL = /^[\x20-\x7e]{1,32}$/; // CK_TOKEN_INFO.label is 32 bytes, blank padded

const config = (detail: string): HeraldError => new HeraldError('HERALD_ERR_VAULT_CONFIG', { detail });

/**
 * The vault configuration from settings and the environment: `HERALD_PKCS11_MODULE`,
 * `HERALD_PKCS11_TOKEN`, `HERALD_PKCS11_KEY` (default `herald-archive`), and the PIN from
 * `HERALD_PKCS11_PIN` or the file named by `--pkcs11-pin-file` / `HERALD_PKCS11_PIN_FILE`
 * (exactly one of the two). Errors say which setting is missing, never a value.
 */
export function pkcs11VaultConfig(settings: Pkcs11Settings, env: Env): Pkcs11VaultConfig {
  const modulePath = settings.module ?? env.HERALD_PKCS11_MODULE;
  const tokenLabel = settings.token ?? env.HERALD_PKCS11_TOKEN;
  const keyLabel = settings.key ?? env.HERALD_PKCS11_KEY ?? DEFAULT_ARCHIVE_KEY_LABEL;
  if (!modulePath) throw config('set --pkcs11-module or HERALD_PKCS11_MODULE to the PKCS#11 module');
  if (!tokenLabel || !LABEL.test(tokenLabel)) {
    throw config('set --pkcs11-token or HERALD_PKCS11_TOKEN to the token label (1-32 printable ASCII)');
  }
  if (!LABEL.test(keyLabel)) throw config('the key label must be 1-32 printable ASCII characters');
  return {
    modulePath,
    tokenLabel,
    keyLabel,
    pin: readPin(settings.pinFile ?? env.HERALD_PKCS11_PIN_FILE, env),
  };
}

function readPin(pinFile: string | undefined, env: Env): string {
  const fromEnv = env.HERALD_PKCS11_PIN;
  if (pinFile !== undefined && fromEnv !== undefined) {
    throw config('set the PIN in HERALD_PKCS11_PIN or in a PIN file, not both');
  }
  let pin = fromEnv;
  if (pinFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(pinFile, 'utf8');
    } catch (cause) {
      throw new HeraldError('HERALD_ERR_VAULT_CONFIG', { detail: 'the PIN file cannot be read' }, { cause });
    }
    pin = text.split(/\r?\n/, 1)[0];
  }
  if (pin === undefined)
    throw config('set HERALD_PKCS11_PIN or --pkcs11-pin-file (the PIN is never an argument)');
  if (pin.length === 0 || pin.length > MAX_PIN) throw config(`the PIN must be 1-${MAX_PIN} characters`);
  return pin;
}
