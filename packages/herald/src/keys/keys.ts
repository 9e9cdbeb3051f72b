import { createNodeMlsEngine } from '../e2ee/mls/node-mls-engine.ts';
import type { SignatureKeyLookup } from '../e2ee/mls/key-directory-credential-validator.ts';
import type { MlsEngine } from '../e2ee/mls/mls-engine.ts';
import type { TenantId } from '../ids.ts';
import type { Store } from '../storage/store.ts';
import type { NoteSigner } from '../tlog/index.ts';
import type { AttestationVerifier } from './attestation-verifier.ts';
import { DevAttestationVerifier } from './dev-attestation-verifier.ts';
import { DeviceAdmin, type KeysLogger } from './device-admin.ts';
import { DeviceEnrollment } from './device-enrollment.ts';
import type { DeviceRevocationListener } from './device-revocation-listener.ts';
import { deviceSignatureKeys } from './device-signature-keys.ts';
import { KeyDirectory } from './key-directory.ts';
import { KeyPackages, uploadCredentialValidator } from './key-packages.ts';

/** The `keys` part of one gateway: enrollment, device administration, KeyPackages, the directory. */
export interface Keys {
  readonly enrollment: DeviceEnrollment;
  readonly devices: DeviceAdmin;
  readonly keyPackages: KeyPackages;
  readonly directory: KeyDirectory;
  /**
   * The signature keys of active devices, for MLS credential checks
   * (`KeyDirectoryCredentialValidator`); with `tenantId`, only that tenant's devices.
   */
  signatureKeys(tenantId?: TenantId): SignatureKeyLookup;
}

export interface KeysOptions {
  /** The key directory log's checkpoint origin, `<prefix>/keys`. */
  readonly origin: string;
  /** Signs the directory's checkpoints; only a process that runs the sequencer needs it. */
  readonly signer?: NoteSigner;
  /** Accepted attestation formats (default: development only). */
  readonly verifiers?: readonly AttestationVerifier[];
  /** Told after each revocation commits (the Delivery Service). */
  readonly revocationListener?: DeviceRevocationListener;
  readonly logger?: KeysLogger;
  /** Validates uploaded KeyPackages (default: the Node MLS engine over the devices table). */
  readonly engine?: Pick<MlsEngine, 'validateKeyPackage'>;
  readonly now?: () => number;
}

/** Wires the `keys` part over a store. */
export function createKeys(store: Store, opts: KeysOptions): Keys {
  const db = store.conn.db;
  const now = opts.now ?? Date.now;
  const directory = new KeyDirectory({
    db,
    dialect: store.dialect,
    origin: opts.origin,
    ...(opts.signer ? { signer: opts.signer } : {}),
    // Checkpoints are published only once their commit is durable (`TransparencyLog` `flush`).
    flush: () => store.tx.flush(),
    now,
  });
  const common = { db, tx: store.tx, devices: store.devices, directory, now };
  const engine =
    opts.engine ??
    createNodeMlsEngine({
      credentialValidator: uploadCredentialValidator(deviceSignatureKeys(db)),
    });
  return {
    directory,
    enrollment: new DeviceEnrollment({
      ...common,
      verifiers: opts.verifiers ?? [new DevAttestationVerifier()],
    }),
    devices: new DeviceAdmin({
      ...common,
      ...(opts.revocationListener ? { revocationListener: opts.revocationListener } : {}),
      ...(opts.logger ? { logger: opts.logger } : {}),
    }),
    keyPackages: new KeyPackages({ db, dialect: store.dialect, tx: store.tx, engine, directory, now }),
    signatureKeys: (tenantId) => deviceSignatureKeys(db, tenantId),
  };
}
