import { diffieHellman, generateKeyPairSync, timingSafeEqual } from 'node:crypto';
import { rawX25519PublicKey, x25519PublicKey, type X25519Decapsulator } from '../../crypto/hpke.ts';
import { HeraldError } from '../../errors/index.ts';
import type { KeyVault, KeyVaultOptions, OpenedEnvelope } from '../key-vault.ts';
import { EnvelopeOpener, type SealedEnvelope } from '../record-envelope.ts';
import type { ArchiveKeyToken, TokenKeyPair } from './archive-token.ts';
import { openPkcs11Token, X25519_EC_PARAMS, X25519_KEY_TYPES, type TokenConfig } from './pkcs11js-token.ts';

/** Where the archive key lives on an HSM. */
export interface Pkcs11VaultConfig extends TokenConfig {
  /** `CKA_LABEL` of the archive key pair. */
  readonly keyLabel: string;
}

// PKCS#11 3.0 §2.3.10 also allows the curve as a PrintableString name.
const CURVE25519_NAME = Buffer.from('130a63757276653235353139', 'hex');

/**
 * The archive key on an HSM, through PKCS#11. The private key never leaves the token: opening a
 * record asks the token for `DH(skR, pkE)` (`CKM_ECDH1_DERIVE`), and only that per-encapsulation
 * DH output reaches this process, where HPKE derives the context keys from it. One DH opens every
 * record sealed under the same encapsulation (see `EnvelopeOpener`).
 */
export class Pkcs11KeyVault implements KeyVault {
  readonly #token: ArchiveKeyToken;
  readonly #publicKey: Buffer;
  readonly #opener: EnvelopeOpener;

  private constructor(token: ArchiveKeyToken, pair: TokenKeyPair) {
    this.#token = token;
    this.#publicKey = checkedPublicKey(pair);
    const recipient: X25519Decapsulator = {
      publicKey: this.#publicKey,
      dh: (pkE) => Promise.resolve(token.ecdh(pair, pkE)),
    };
    this.#opener = new EnvelopeOpener(recipient);
  }

  /**
   * Logs in and finds the archive key pair; checks it is X25519, sensitive, not extractable and
   * that its private half matches the public one (one DH on the token against a fresh key).
   */
  static async open(config: Pkcs11VaultConfig): Promise<Pkcs11KeyVault> {
    return withToken(config, (token) => {
      const pair = token.findKeyPair(config.keyLabel);
      if (pair === undefined) {
        throw new HeraldError('HERALD_ERR_VAULT_KEY_NOT_FOUND', {
          label: config.keyLabel,
          detail: 'no key pair with this label',
        });
      }
      return Pkcs11KeyVault.fromPair(token, pair);
    });
  }

  /** Creates the archive key pair on the token (refusing to shadow an existing label). */
  static async generate(config: Pkcs11VaultConfig): Promise<Pkcs11KeyVault> {
    return withToken(config, (token) => {
      if (token.findKeyPair(config.keyLabel) !== undefined) {
        throw new HeraldError('HERALD_ERR_VAULT_KEY_EXISTS', { label: config.keyLabel });
      }
      return Pkcs11KeyVault.fromPair(token, token.generateX25519KeyPair(config.keyLabel));
    });
  }

  /** Wraps an open token; exposed for tests with their own `ArchiveKeyToken`. */
  static fromPair(token: ArchiveKeyToken, pair: TokenKeyPair): Pkcs11KeyVault {
    const vault = new Pkcs11KeyVault(token, pair);
    selfTest(token, pair, vault.#publicKey);
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

  /** Logs out and closes the session. */
  close(): Promise<void> {
    this.#token.close();
    return Promise.resolve();
  }
}

async function withToken(
  config: Pkcs11VaultConfig,
  use: (token: ArchiveKeyToken) => Pkcs11KeyVault,
): Promise<Pkcs11KeyVault> {
  const token = await openPkcs11Token(config);
  try {
    return use(token);
  } catch (err) {
    token.close();
    throw err;
  }
}

const unsupported = (pair: TokenKeyPair, detail: string): HeraldError =>
  new HeraldError('HERALD_ERR_VAULT_KEY_UNSUPPORTED', { label: pair.label, detail });

/** The raw 32-byte public key, after checking the pair is an X25519 key fit to be the archive key. */
function checkedPublicKey(pair: TokenKeyPair): Buffer {
  const params = Buffer.from(pair.ecParams);
  if (!params.equals(X25519_EC_PARAMS) && !params.equals(CURVE25519_NAME)) {
    throw unsupported(pair, 'its curve is not X25519');
  }
  if (!X25519_KEY_TYPES.includes(pair.keyType)) throw unsupported(pair, 'its key type is not X25519');
  if (!pair.sensitive || pair.extractable) {
    throw unsupported(pair, 'the private key must be sensitive and not extractable');
  }
  if (!pair.derive) throw unsupported(pair, 'the private key does not allow derivation');
  // CKA_EC_POINT: raw (PKCS#11 3.0 for Montgomery keys) or a DER OCTET STRING (SoftHSM).
  const point = Buffer.from(pair.ecPoint);
  if (point.length === 32) return point;
  if (point.length === 34 && point[0] === 0x04 && point[1] === 0x20) return point.subarray(2);
  throw unsupported(pair, 'its public point is not 32 bytes');
}

/** One DH on the token against a throwaway key: proves the private half matches `publicKey`. */
function selfTest(token: ArchiveKeyToken, pair: TokenKeyPair, publicKey: Buffer): void {
  const probe = generateKeyPairSync('x25519');
  const onToken = token.ecdh(pair, rawX25519PublicKey(probe.publicKey));
  const here = diffieHellman({ privateKey: probe.privateKey, publicKey: x25519PublicKey(publicKey) });
  if (onToken.length !== here.length || !timingSafeEqual(onToken, here)) {
    throw unsupported(pair, 'the private key does not match the public key');
  }
  onToken.fill(0);
  here.fill(0);
}
