import { randomBytes } from 'node:crypto';
import type * as Pkcs11js from 'pkcs11js';
import type { ECDH1, PKCS11 as Pkcs11Module } from 'pkcs11js';
import { HeraldError } from '../../errors/index.ts';
import type { ArchiveKeyToken, TokenKeyPair } from './archive-token.ts';

/** Where the token is and how to log in. The PIN is held only for `C_Login`. */
export interface TokenConfig {
  /** Path of the vendor's PKCS#11 module (a shared library). */
  readonly modulePath: string;
  /** `CK_TOKEN_INFO.label` of the token holding the archive key. */
  readonly tokenLabel: string;
  /** The user PIN. Never logged, never put in an error. */
  readonly pin: string;
}

// pkcs11js is the binding (a native addon), loaded only here and only when a vault is opened,
// so the gateway, which needs only the public key, never loads it.
type Binding = typeof Pkcs11js;

// PKCS#11 3.0 values pkcs11js 2.1 does not name.
const CKK_EC_EDWARDS = 0x40;
const CKK_EC_MONTGOMERY = 0x41;
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
const CKM_EC_MONTGOMERY_KEY_PAIR_GEN = 0x1056;
/** DER of the X25519 OID 1.3.101.110 (RFC 8410), the curve in `CKA_EC_PARAMS`. */
export const X25519_EC_PARAMS = Buffer.from('06032b656e', 'hex');

// One initialised module per path per process: `C_Initialize` is process-wide, and a second
// vault on the same module must not `C_Finalize` the first one's session away.
const modules = new Map<string, { binding: Binding; lib: Pkcs11Module; users: number }>();

/** The `CKR_…` name of a binding error, and nothing else from it (messages may carry paths). */
function ckr(err: unknown): string {
  const m = /CKR_[A-Z0-9_]+/.exec(err instanceof Error ? err.message : '');
  return m ? m[0] : 'unknown error';
}

function failed(operation: string, cause: unknown): HeraldError {
  return new HeraldError('HERALD_ERR_VAULT_TOKEN_FAILED', { operation, detail: ckr(cause) }, { cause });
}

async function acquireModule(path: string): Promise<{ binding: Binding; lib: Pkcs11Module }> {
  const have = modules.get(path);
  if (have) {
    have.users++;
    return have;
  }
  let binding: Binding;
  try {
    binding = (await import('pkcs11js')).default;
  } catch (cause) {
    throw new HeraldError(
      'HERALD_ERR_VAULT_MODULE',
      { detail: 'the pkcs11js binding is not installed or did not build' },
      { cause },
    );
  }
  const lib = new binding.PKCS11();
  try {
    lib.load(path);
  } catch (cause) {
    throw new HeraldError(
      'HERALD_ERR_VAULT_MODULE',
      { detail: 'no loadable module at that path' },
      { cause },
    );
  }
  try {
    lib.C_Initialize();
  } catch (cause) {
    lib.close();
    throw new HeraldError('HERALD_ERR_VAULT_MODULE', { detail: `C_Initialize: ${ckr(cause)}` }, { cause });
  }
  const entry = { binding, lib, users: 1 };
  modules.set(path, entry);
  return entry;
}

function releaseModule(path: string): void {
  const have = modules.get(path);
  if (!have || --have.users > 0) return;
  modules.delete(path);
  try {
    have.lib.C_Finalize();
  } finally {
    have.lib.close();
  }
}

/**
 * Opens a read-write user session on the token labelled `config.tokenLabel` in the module at
 * `config.modulePath`. Errors: `HERALD_ERR_VAULT_MODULE`, `…_TOKEN_NOT_FOUND`, `…_LOGIN_FAILED`.
 */
export async function openPkcs11Token(config: TokenConfig): Promise<ArchiveKeyToken> {
  const { binding: pk, lib } = await acquireModule(config.modulePath);
  let session: Buffer | undefined;
  try {
    const slot = lib
      .C_GetSlotList(true)
      .find((s) => lib.C_GetTokenInfo(s).label.trimEnd() === config.tokenLabel);
    if (slot === undefined) {
      throw new HeraldError('HERALD_ERR_VAULT_TOKEN_NOT_FOUND', { token: config.tokenLabel });
    }
    session = lib.C_OpenSession(slot, pk.CKF_SERIAL_SESSION | pk.CKF_RW_SESSION);
    try {
      lib.C_Login(session, pk.CKU_USER, config.pin);
    } catch (cause) {
      // Login state is per application and token: a second vault in this process is already in.
      if ((cause as { code?: number }).code !== pk.CKR_USER_ALREADY_LOGGED_IN) {
        throw new HeraldError(
          'HERALD_ERR_VAULT_LOGIN_FAILED',
          { token: config.tokenLabel, detail: ckr(cause) },
          { cause },
        );
      }
    }
    return new Pkcs11jsToken(pk, lib, session, config.modulePath, lib.C_GetMechanismList(slot));
  } catch (err) {
    if (session !== undefined) lib.C_CloseSession(session);
    releaseModule(config.modulePath);
    if (err instanceof HeraldError) throw err;
    throw failed('opening a session', err);
  }
}

class Pkcs11jsToken implements ArchiveKeyToken {
  #open = true;

  constructor(
    private readonly pk: Binding,
    private readonly lib: Pkcs11Module,
    private readonly session: Buffer,
    private readonly modulePath: string,
    private readonly mechanisms: readonly number[],
  ) {}

  findKeyPair(label: string): TokenKeyPair | undefined {
    const { pk } = this;
    const privates = this.#find([
      { type: pk.CKA_CLASS, value: pk.CKO_PRIVATE_KEY },
      { type: pk.CKA_LABEL, value: label },
    ]);
    const publics = this.#find([
      { type: pk.CKA_CLASS, value: pk.CKO_PUBLIC_KEY },
      { type: pk.CKA_LABEL, value: label },
    ]);
    if (privates.length === 0 && publics.length === 0) return undefined;
    if (privates.length !== 1 || publics.length !== 1) {
      throw new HeraldError('HERALD_ERR_VAULT_KEY_NOT_FOUND', {
        label,
        detail: `need one private and one public key with this label, found ${privates.length} and ${publics.length}`,
      });
    }
    return this.#describe(label, privates[0]!, publics[0]!);
  }

  generateX25519KeyPair(label: string): TokenKeyPair {
    const { pk } = this;
    // PKCS#11 3.0 names X25519 `CKM_EC_MONTGOMERY_KEY_PAIR_GEN`; SoftHSM 2.6 generates it with
    // the Edwards mechanism and the X25519 curve instead (its key type reads CKK_EC_EDWARDS).
    const mechanism = this.mechanisms.includes(CKM_EC_MONTGOMERY_KEY_PAIR_GEN)
      ? CKM_EC_MONTGOMERY_KEY_PAIR_GEN
      : this.mechanisms.includes(CKM_EC_EDWARDS_KEY_PAIR_GEN)
        ? CKM_EC_EDWARDS_KEY_PAIR_GEN
        : undefined;
    if (mechanism === undefined || !this.mechanisms.includes(pk.CKM_ECDH1_DERIVE)) {
      throw new HeraldError('HERALD_ERR_VAULT_KEY_UNSUPPORTED', {
        label,
        detail: 'the token offers no X25519 key generation with ECDH derivation',
      });
    }
    const id = randomBytes(16);
    const common = [
      { type: pk.CKA_TOKEN, value: true },
      { type: pk.CKA_LABEL, value: label },
      { type: pk.CKA_ID, value: id },
    ];
    const publicTemplate = [
      ...common,
      { type: pk.CKA_EC_PARAMS, value: X25519_EC_PARAMS },
      { type: pk.CKA_PRIVATE, value: false },
    ];
    const privateTemplate = [
      ...common,
      { type: pk.CKA_PRIVATE, value: true },
      { type: pk.CKA_SENSITIVE, value: true },
      { type: pk.CKA_EXTRACTABLE, value: false },
      { type: pk.CKA_DERIVE, value: true },
      // An Edwards-typed key could otherwise sign; this one is for key agreement only.
      ...(mechanism === CKM_EC_EDWARDS_KEY_PAIR_GEN ? [{ type: pk.CKA_SIGN, value: false }] : []),
    ];
    try {
      const pair = this.lib.C_GenerateKeyPair(this.session, { mechanism }, publicTemplate, privateTemplate);
      return this.#describe(label, pair.privateKey, pair.publicKey);
    } catch (err) {
      throw failed('key pair generation', err);
    }
  }

  ecdh(pair: TokenKeyPair, peerPublicKey: Uint8Array): Buffer {
    const { pk } = this;
    let secret: Buffer | undefined;
    const params: ECDH1 = {
      type: pk.CK_PARAMS_EC_DH,
      kdf: pk.CKD_NULL,
      publicData: Buffer.from(peerPublicKey),
    };
    try {
      secret = this.lib.C_DeriveKey(
        this.session,
        {
          mechanism: pk.CKM_ECDH1_DERIVE,
          parameter: params,
        },
        pair.privateHandle as Buffer,
        [
          { type: pk.CKA_CLASS, value: pk.CKO_SECRET_KEY },
          { type: pk.CKA_KEY_TYPE, value: pk.CKK_GENERIC_SECRET },
          { type: pk.CKA_TOKEN, value: false },
          { type: pk.CKA_SENSITIVE, value: false },
          { type: pk.CKA_EXTRACTABLE, value: true },
          { type: pk.CKA_VALUE_LEN, value: 32 },
        ],
      );
      // SoftHSM has no HKDF mechanism, so HPKE's ExtractAndExpand runs here on the DH output.
      return this.#attrs(secret, [pk.CKA_VALUE])[0]!;
    } catch (err) {
      throw failed('ECDH derivation', err);
    } finally {
      if (secret !== undefined) this.lib.C_DestroyObject(this.session, secret);
    }
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    try {
      this.lib.C_Logout(this.session);
    } catch {
      // Already logged out (another vault on this token closed first): nothing to undo.
    }
    try {
      this.lib.C_CloseSession(this.session);
    } finally {
      releaseModule(this.modulePath);
    }
  }

  #find(template: { type: number; value: number | string }[]): Buffer[] {
    const { lib, session } = this;
    try {
      lib.C_FindObjectsInit(session, template);
      try {
        return lib.C_FindObjects(session, 8);
      } finally {
        lib.C_FindObjectsFinal(session);
      }
    } catch (err) {
      throw failed('finding keys', err);
    }
  }

  #attrs(handle: Buffer, types: number[]): Buffer[] {
    return this.lib
      .C_GetAttributeValue(
        this.session,
        handle,
        types.map((type) => ({ type })),
      )
      .map((a) => a.value);
  }

  #describe(label: string, privateHandle: Buffer, publicHandle: Buffer): TokenKeyPair {
    const { pk } = this;
    try {
      const [ecPoint, ecParams] = this.#attrs(publicHandle, [pk.CKA_EC_POINT, pk.CKA_EC_PARAMS]);
      const [keyType, sensitive, extractable, derive] = this.#attrs(privateHandle, [
        pk.CKA_KEY_TYPE,
        pk.CKA_SENSITIVE,
        pk.CKA_EXTRACTABLE,
        pk.CKA_DERIVE,
      ]);
      const flag = (b: Buffer | undefined): boolean => b !== undefined && b.length > 0 && b[0] !== 0;
      return {
        label,
        ecPoint: ecPoint!,
        ecParams: ecParams!,
        keyType: keyType!.readUIntLE(0, Math.min(keyType!.length, 6)),
        sensitive: flag(sensitive),
        extractable: flag(extractable),
        derive: flag(derive),
        privateHandle,
      };
    } catch (err) {
      if (err instanceof HeraldError) throw err;
      // An RSA or P-256 key has no X25519 parameters to read: not ours to use.
      throw new HeraldError(
        'HERALD_ERR_VAULT_KEY_UNSUPPORTED',
        { label, detail: `its attributes cannot be read (${ckr(err)})` },
        { cause: err },
      );
    }
  }
}

/** Key types an X25519 private key carries: the standard one and SoftHSM 2.6's. */
export const X25519_KEY_TYPES: readonly number[] = [CKK_EC_MONTGOMERY, CKK_EC_EDWARDS];
