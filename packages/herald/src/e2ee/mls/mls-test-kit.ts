import assert from 'node:assert/strict';
import { defaultCryptoProvider, type CryptoProvider } from 'ts-mls';
import { isHeraldError } from '../../errors/index.ts';
import type { MlsMemberIdentity } from './credential-validator.ts';
import { nodeCryptoProvider } from './crypto/node-crypto-provider.ts';
import { KeyDirectoryCredentialValidator } from './key-directory-credential-validator.ts';
import type { MlsCipherSuiteName, MlsKeyPackageBundle, MlsSignatureKeyPair } from './mls-engine.ts';
import { TsMlsEngine, type TsMlsEngineOptions } from './ts-mls-engine.ts';

/** The two crypto providers every engine test runs against. */
export const MLS_PROVIDERS: readonly {
  readonly name: 'native' | 'stock';
  readonly provider: CryptoProvider;
}[] = [
  { name: 'native', provider: nodeCryptoProvider },
  { name: 'stock', provider: defaultCryptoProvider },
];

/** An in-memory key directory: device identity → signature public key. For tests and benches. */
export class MemoryKeyDirectory {
  readonly #keys = new Map<string, Uint8Array>();

  static key(identity: MlsMemberIdentity): string {
    return `${identity.userId}:${identity.deviceId}`;
  }

  publish(identity: MlsMemberIdentity, signaturePublicKey: Uint8Array): void {
    this.#keys.set(MemoryKeyDirectory.key(identity), signaturePublicKey);
  }

  revoke(identity: MlsMemberIdentity): void {
    this.#keys.delete(MemoryKeyDirectory.key(identity));
  }

  readonly validator = new KeyDirectoryCredentialValidator(async (identity) =>
    this.#keys.get(MemoryKeyDirectory.key(identity)),
  );
}

/** An enrolled test device: its identity, directory key and a KeyPackage factory. */
export interface TestDevice {
  readonly identity: MlsMemberIdentity;
  readonly signer: MlsSignatureKeyPair;
  keyPackage(options?: { lastResort?: boolean }): Promise<MlsKeyPackageBundle>;
}

/** An engine plus a directory, with helpers to enroll devices. */
export class MlsTestWorld {
  readonly directory = new MemoryKeyDirectory();
  readonly engine: TsMlsEngine;

  constructor(
    provider: CryptoProvider,
    options: Partial<Omit<TsMlsEngineOptions, 'credentialValidator'>> = {},
  ) {
    this.engine = new TsMlsEngine({
      ...options,
      cryptoProvider: provider,
      credentialValidator: this.directory.validator,
    });
  }

  /** An engine sharing this world's directory but with other options (another device's view). */
  engineWith(
    provider: CryptoProvider,
    options: Partial<Omit<TsMlsEngineOptions, 'credentialValidator'>> & {
      cipherSuite?: MlsCipherSuiteName;
    } = {},
  ): TsMlsEngine {
    return new TsMlsEngine({
      ...options,
      cryptoProvider: provider,
      credentialValidator: this.directory.validator,
    });
  }

  async enroll(userId: string, deviceId: string, engine: TsMlsEngine = this.engine): Promise<TestDevice> {
    const identity = { userId, deviceId };
    const signer = await engine.generateSignatureKeyPair();
    this.directory.publish(identity, signer.publicKey);
    return {
      identity,
      signer,
      keyPackage: (options = {}) => engine.generateKeyPackage(identity, signer, options),
    };
  }
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Asserts that `p` rejects with a HeraldError carrying `code`. */
export async function rejectsWith(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  await assert.rejects(
    async () => (typeof p === 'function' ? p() : p),
    (err: unknown) => {
      assert.ok(isHeraldError(err), `expected a HeraldError, got ${String(err)}`);
      assert.equal(err.code, code);
      return true;
    },
  );
}
