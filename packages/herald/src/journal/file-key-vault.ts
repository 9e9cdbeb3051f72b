import { readFile, writeFile } from 'node:fs/promises';
import { generateX25519KeyPair, localDecapsulator } from '../crypto/hpke.ts';
import { HeraldError } from '../errors/index.ts';
import type { KeyVault, KeyVaultOptions, OpenedEnvelope } from './key-vault.ts';
import { EnvelopeOpener, type SealedEnvelope } from './record-envelope.ts';

const FORMAT = 'herald-archive-key/v1';

/**
 * The archive key in a JSON file (`{"format", "privateKey", "publicKey"}`, base64), for
 * development and tests. Production keeps the private key in an HSM; the gateway is configured
 * with the public key only (`publicKey` of this file, or {@link archivePublicKeyFromBase64}).
 */
export class FileKeyVault implements KeyVault {
  readonly #publicKey: Uint8Array;
  readonly #opener: EnvelopeOpener;

  private constructor(privateKey: Uint8Array) {
    const recipient = localDecapsulator(privateKey);
    this.#publicKey = recipient.publicKey;
    this.#opener = new EnvelopeOpener(recipient);
  }

  /** Creates a new key file (mode 0600, never overwriting) and returns its vault. */
  static async generate(path: string): Promise<FileKeyVault> {
    const { privateKey, publicKey } = generateX25519KeyPair();
    const text = JSON.stringify({
      format: FORMAT,
      privateKey: privateKey.toString('base64'),
      publicKey: publicKey.toString('base64'),
    });
    await writeFile(path, `${text}\n`, { mode: 0o600, flag: 'wx' });
    const vault = new FileKeyVault(privateKey);
    privateKey.fill(0);
    return vault;
  }

  /** Loads a key file written by {@link FileKeyVault.generate}. */
  static async load(path: string): Promise<FileKeyVault> {
    let parsed: { format?: unknown; privateKey?: unknown };
    try {
      parsed = JSON.parse(await readFile(path, 'utf8')) as typeof parsed;
    } catch (cause) {
      throw new HeraldError(
        'HERALD_ERR_JOURNAL_ARCHIVE_KEY',
        { detail: 'the key file cannot be read' },
        { cause },
      );
    }
    const raw = typeof parsed.privateKey === 'string' ? Buffer.from(parsed.privateKey, 'base64') : undefined;
    if (parsed.format !== FORMAT || raw?.length !== 32) {
      throw new HeraldError('HERALD_ERR_JOURNAL_ARCHIVE_KEY', { detail: `not a ${FORMAT} file` });
    }
    const vault = new FileKeyVault(raw);
    raw.fill(0);
    return vault;
  }

  publicKey(opts: KeyVaultOptions = {}): Promise<Uint8Array> {
    opts.signal?.throwIfAborted();
    return Promise.resolve(Uint8Array.from(this.#publicKey));
  }

  open(sealed: SealedEnvelope, opts: KeyVaultOptions = {}): Promise<OpenedEnvelope> {
    opts.signal?.throwIfAborted();
    return this.#opener.open(sealed);
  }
}

/** Parses the archive public key as configured on the gateway (base64 of 32 bytes). */
export function archivePublicKeyFromBase64(text: string): Uint8Array {
  const raw = Buffer.from(text.trim(), 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== text.trim()) {
    throw new HeraldError('HERALD_ERR_JOURNAL_ARCHIVE_KEY', {
      detail: 'the public key must be 32 bytes of base64',
    });
  }
  return raw;
}
