import assert from 'node:assert/strict';
import { defaultCryptoProvider, type CryptoProvider } from 'ts-mls';
import { isHeraldError } from '../../errors/index.ts';
import type { MlsMemberIdentity } from './credential-validator.ts';
import { nodeCryptoProvider } from './crypto/node-crypto-provider.ts';
import { KeyDirectoryCredentialValidator } from './key-directory-credential-validator.ts';
import type {
  MlsCipherSuiteName,
  MlsGroupState,
  MlsKeyPackageBundle,
  MlsSignatureKeyPair,
} from './mls-engine.ts';
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

/** The identity tests give the Delivery Service as a group's external sender. */
export const DELIVERY_SERVICE = { userId: 'herald', deviceId: 'delivery-service' } as const;

/** A group with the Delivery Service as external sender, built as devices would. */
export interface ServedGroup {
  readonly world: MlsTestWorld;
  /** The Delivery Service (sender index 0), enrolled in the directory like a device. */
  readonly ds: TestDevice;
  /** Every external sender, by sender index (`ds` first). */
  readonly externalSenders: TestDevice[];
  readonly devices: TestDevice[];
  /** Each device's state, by position in `devices` (leaf index = position). */
  readonly states: MlsGroupState[];
}

/**
 * `userIds.length` devices (`usr_x` / `dev_x1`) in one group: the first creates it with the
 * Delivery Service (and `extraSenders` more server identities) as external senders and adds the
 * others in one commit; they join by Welcome.
 */
export async function servedGroup(
  world: MlsTestWorld,
  userIds: readonly string[],
  extraSenders = 0,
): Promise<ServedGroup> {
  const engine = world.engine;
  const externalSenders: TestDevice[] = [];
  for (let i = 0; i <= extraSenders; i++)
    externalSenders.push(
      await world.enroll(DELIVERY_SERVICE.userId, `${DELIVERY_SERVICE.deviceId}${i === 0 ? '' : `-${i}`}`),
    );
  const devices = await Promise.all(userIds.map((u) => world.enroll(`usr_${u}`, `dev_${u}1`)));
  const bundles = await Promise.all(devices.map((d) => d.keyPackage()));
  let first = await engine.createGroup(bundles[0]!, {
    externalSenders: externalSenders.map((s) => ({
      identity: s.identity,
      signaturePublicKey: s.signer.publicKey,
    })),
  });
  const states = [first];
  if (bundles.length > 1) {
    const out = await engine.addMembers(
      first,
      bundles.slice(1).map((b) => b.keyPackage),
    );
    first = engine.mergePendingCommit(out.pending);
    states[0] = first;
    for (const b of bundles.slice(1)) states.push(await engine.joinFromWelcome(out.welcome!, b));
  }
  return { world, ds: externalSenders[0]!, externalSenders, devices, states };
}
