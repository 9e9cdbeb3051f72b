import type { ClientState, KeyPackage, PrivateKeyPackage } from 'ts-mls';
import { decodeVarLenData, varLenDataEncoder } from 'ts-mls/codec/variableLength.js';
import { composeBufferEncoders, encode } from 'ts-mls/codec/tlsEncoder.js';
import { decodeKeyPackage, encodeKeyPackage } from 'ts-mls/keyPackage.js';
import { HeraldError } from '../../errors/index.ts';
import {
  MLS_CIPHER_SUITES,
  type MlsCipherSuiteName,
  type MlsGroupState,
  type MlsPendingCommit,
} from './mls-engine.ts';

/** The ts-mls client state behind an {@link MlsGroupState}. */
export class TsMlsGroupState implements MlsGroupState {
  readonly #client: ClientState;

  constructor(client: ClientState) {
    this.#client = client;
  }

  /** For the engine only: the library state. */
  static unwrap(state: MlsGroupState): ClientState {
    if (!(state instanceof TsMlsGroupState))
      throw new HeraldError('HERALD_ERR_E2EE_INVALID_STATE', { detail: 'not a state of this engine' });
    return state.#client;
  }

  get groupId(): Uint8Array {
    return this.#client.groupContext.groupId;
  }

  get epoch(): bigint {
    return this.#client.groupContext.epoch;
  }

  get cipherSuite(): MlsCipherSuiteName {
    return this.#client.groupContext.cipherSuite as MlsCipherSuiteName;
  }

  get ownLeafIndex(): number {
    return this.#client.privatePath.leafIndex;
  }

  get active(): boolean {
    return this.#client.groupActiveState.kind === 'active';
  }
}

/** A commit awaiting the server's echo, with the secrets to erase once it is applied. */
export class TsMlsPendingCommit implements MlsPendingCommit {
  readonly #next: ClientState;
  readonly #consumed: readonly Uint8Array[];
  #merged = false;

  constructor(
    readonly commit: Uint8Array,
    next: ClientState,
    consumed: readonly Uint8Array[],
  ) {
    this.#next = next;
    this.#consumed = consumed;
  }

  get epoch(): bigint {
    return this.#next.groupContext.epoch;
  }

  /** For the engine only: the next state; erases the previous epoch's consumed secrets once. */
  static merge(pending: MlsPendingCommit, erase: (secrets: readonly Uint8Array[]) => void): ClientState {
    if (!(pending instanceof TsMlsPendingCommit))
      throw new HeraldError('HERALD_ERR_E2EE_INVALID_STATE', {
        detail: 'not a pending commit of this engine',
      });
    if (pending.#merged)
      throw new HeraldError('HERALD_ERR_E2EE_INVALID_STATE', { detail: 'commit already merged' });
    pending.#merged = true;
    erase(pending.#consumed);
    return pending.#next;
  }
}

/** Whether `name` is one of the suites Herald names. */
export function isHeraldCipherSuite(name: string): name is MlsCipherSuiteName {
  return Object.hasOwn(MLS_CIPHER_SUITES, name);
}

const BUNDLE_VERSION = 1;
const bundleEncoder = composeBufferEncoders([
  varLenDataEncoder,
  varLenDataEncoder,
  varLenDataEncoder,
  varLenDataEncoder,
]);

/** Serializes a KeyPackage with its private keys (the device keeps this until the Welcome comes). */
export function encodeKeyPackageSecret(keyPackage: KeyPackage, privateKeys: PrivateKeyPackage): Uint8Array {
  const body = encode(bundleEncoder)([
    encodeKeyPackage(keyPackage),
    privateKeys.initPrivateKey,
    privateKeys.hpkePrivateKey,
    privateKeys.signaturePrivateKey,
  ]);
  const out = new Uint8Array(body.length + 1);
  out[0] = BUNDLE_VERSION;
  out.set(body, 1);
  return out;
}

/** Inverse of {@link encodeKeyPackageSecret}. */
export function decodeKeyPackageSecret(bytes: Uint8Array): {
  keyPackage: KeyPackage;
  privateKeys: PrivateKeyPackage;
} {
  const bad = (): HeraldError =>
    new HeraldError('HERALD_ERR_E2EE_INVALID_STATE', { detail: 'unreadable KeyPackage secret' });
  if (bytes[0] !== BUNDLE_VERSION) throw bad();
  try {
    const fields: Uint8Array[] = [];
    let offset = 1;
    for (let i = 0; i < 4; i++) {
      const r = decodeVarLenData(bytes, offset);
      if (r === undefined) throw bad();
      fields.push(r[0]);
      offset += r[1];
    }
    const [kpBytes, initPrivateKey, hpkePrivateKey, signaturePrivateKey] = fields as [
      Uint8Array,
      Uint8Array,
      Uint8Array,
      Uint8Array,
    ];
    const kp = decodeKeyPackage(kpBytes, 0);
    if (kp === undefined || offset !== bytes.length) throw bad();
    return { keyPackage: kp[0], privateKeys: { initPrivateKey, hpkePrivateKey, signaturePrivateKey } };
  } catch (err) {
    throw err instanceof HeraldError ? err : bad();
  }
}
