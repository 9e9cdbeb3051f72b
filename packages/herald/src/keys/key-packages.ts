import type { Kysely } from 'kysely';
import type { CredentialValidator } from '../e2ee/mls/credential-validator.ts';
import {
  KeyDirectoryCredentialValidator,
  type SignatureKeyLookup,
} from '../e2ee/mls/key-directory-credential-validator.ts';
import type { MlsEngine } from '../e2ee/mls/mls-engine.ts';
import { HeraldError } from '../errors/index.ts';
import type { TenantId } from '../ids.ts';
import type { DialectName } from '../storage/connect.ts';
import type { Database } from '../storage/schema.ts';
import type { TransactionRunner } from '../storage/transaction-runner.ts';
import type { DevicePrincipal } from './device-principal.ts';
import type { DirectoryRecord, KeyDirectory } from './key-directory.ts';
import {
  addKeyPackages,
  claimKeyPackages,
  countAvailable,
  dropExpired,
  keyPackageOwner,
  keyPackageOwners,
  replaceLastResort,
  type PooledKeyPackage,
} from './key-package-pool.ts';

/** Bounds from docs/secure-channel.md. */
export const MAX_KEY_PACKAGES_PER_UPLOAD = 100;
export const MAX_KEY_PACKAGES_HELD = 500;
export const MAX_CLAIM_USERS = 50;
/** Largest KeyPackage accepted, in bytes (suite 0x0001 ones are about 300). */
export const MAX_KEY_PACKAGE_BYTES = 8192;
/**
 * How long a KeyPackage is kept after it expires, so a Welcome naming it can still be routed: the
 * Delivery Service's queue lifetime (7 days).
 */
const ROUTING_GRACE_MS = 7 * 86_400_000;

export interface KeyPackagesOptions {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  readonly tx: TransactionRunner;
  /**
   * Validates uploads; its credential validator must read the key directory
   * ({@link uploadCredentialValidator} over `deviceSignatureKeys`).
   */
  readonly engine: Pick<MlsEngine, 'validateKeyPackage'>;
  readonly directory: KeyDirectory;
  readonly now?: () => number;
}

/** One device's KeyPackage from a claim, with its key directory entry to check the key against. */
export interface ClaimedDevice {
  readonly userId: string;
  readonly deviceId: string;
  readonly keyPackage: Uint8Array;
  readonly directory: DirectoryRecord;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * The credential check for uploads: the key directory's, but a refusal is the uploader's bad input
 * (400 `HERALD_ERR_KEYS_KEY_PACKAGE_NOT_OWN` with the reason) rather than the engine's
 * `HERALD_ERR_E2EE_CREDENTIAL_REJECTED` (403). The engine passes a thrown `HeraldError` through.
 */
export function uploadCredentialValidator(lookup: SignatureKeyLookup): CredentialValidator {
  const directory = new KeyDirectoryCredentialValidator(lookup);
  return {
    async validate(credential, signaturePublicKey, options) {
      const verdict = await directory.validate(credential, signaturePublicKey, options);
      if (!verdict.ok)
        throw new HeraldError('HERALD_ERR_KEYS_KEY_PACKAGE_NOT_OWN', { reason: verdict.reason });
      return verdict;
    },
  };
}

/**
 * KeyPackages of enrolled devices: upload (each validated by the MLS engine against the key
 * directory, all or nothing), claim (one per active device, each handed out once, the
 * last-resort one when the others are gone), and which device a KeyPackageRef belongs to, for
 * routing Welcome messages.
 */
export class KeyPackages {
  readonly #o: KeyPackagesOptions;

  constructor(opts: KeyPackagesOptions) {
    this.#o = opts;
  }

  /**
   * Validates every KeyPackage first (framing, suite, signatures, lifetime, and a credential that
   * names this device with its directory key) and stores them in one transaction, or none.
   */
  async upload(
    device: DevicePrincipal,
    req: { readonly keyPackages: readonly Uint8Array[]; readonly lastResort?: Uint8Array },
    options: { signal?: AbortSignal } = {},
  ): Promise<{ stored: number; available: number }> {
    const now = (this.#o.now ?? Date.now)();
    if (req.keyPackages.length > MAX_KEY_PACKAGES_PER_UPLOAD)
      throw new HeraldError('HERALD_ERR_API_VALIDATION', {
        detail: `at most ${MAX_KEY_PACKAGES_PER_UPLOAD} KeyPackages per call`,
      });
    const ordinary = await this.#validateAll(device, req.keyPackages, now, options);
    const [lastResort] = req.lastResort
      ? await this.#validateAll(device, [req.lastResort], now, options)
      : [];
    const { tenantId, userId, deviceId } = device;
    const owner = { tenantId, userId, deviceId };
    return this.#o.tx.run(async (trx) => {
      // Locks the device row on PostgreSQL: uploads of one device take turns (so the cap holds)
      // and none lands after a revocation commits.
      const row = await trx
        .selectFrom('devices')
        .select('status')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', deviceId)
        .$if(this.#o.dialect === 'postgres', (q) => q.forUpdate())
        .executeTakeFirst();
      if (row?.status !== 'active')
        throw new HeraldError('HERALD_ERR_DEVICE_INACTIVE', { status: row?.status ?? 'revoked' });
      await dropExpired(trx, deviceId, now - ROUTING_GRACE_MS);
      let stored = await addKeyPackages(trx, owner, ordinary, false, now);
      if (lastResort) {
        await replaceLastResort(trx, deviceId, lastResort.ref);
        stored += await addKeyPackages(trx, owner, [lastResort], true, now);
      }
      const available = await countAvailable(trx, deviceId, now);
      if (available > MAX_KEY_PACKAGES_HELD)
        throw new HeraldError('HERALD_ERR_KEYS_TOO_MANY_KEY_PACKAGES', { max: MAX_KEY_PACKAGES_HELD });
      return { stored, available };
    });
  }

  async #validateAll(
    device: DevicePrincipal,
    kps: readonly Uint8Array[],
    now: number,
    options: { signal?: AbortSignal },
  ): Promise<PooledKeyPackage[]> {
    const out = new Map<string, PooledKeyPackage>();
    for (const bytes of kps) {
      if (bytes.length > MAX_KEY_PACKAGE_BYTES)
        throw new HeraldError('HERALD_ERR_E2EE_KEY_PACKAGE_INVALID', {
          detail: `larger than ${MAX_KEY_PACKAGE_BYTES} bytes`,
        });
      const v = await this.#o.engine.validateKeyPackage(bytes, { ...options, now: new Date(now) });
      // The engine checked the credential against the directory; it must also be the caller's own.
      if (v.identity.userId !== device.userId || v.identity.deviceId !== device.deviceId)
        throw new HeraldError('HERALD_ERR_KEYS_KEY_PACKAGE_NOT_OWN', { reason: 'another_device' });
      const ref = hex(v.ref);
      out.set(ref, { ref, keyPackage: bytes, notAfter: v.notAfter.getTime() });
    }
    return [...out.values()];
  }

  /**
   * One KeyPackage for each active device of `userIds` in the caller's tenant (the caller's own
   * device excepted), with each device's latest key directory entry. Devices with nothing left
   * to hand out are listed in `unavailable`.
   */
  async claim(
    caller: DevicePrincipal,
    userIds: readonly string[],
  ): Promise<{ devices: ClaimedDevice[]; unavailable: Array<{ userId: string; deviceId: string }> }> {
    const users = [...new Set(userIds)];
    if (users.length === 0 || users.length > MAX_CLAIM_USERS)
      throw new HeraldError('HERALD_ERR_API_VALIDATION', { detail: `name 1 to ${MAX_CLAIM_USERS} users` });
    const now = (this.#o.now ?? Date.now)();
    const tenantId = caller.tenantId;
    return this.#o.tx.run(async (trx) => {
      const targets = await trx
        .selectFrom('devices')
        .select(['id', 'user_id'])
        .where('tenant_id', '=', tenantId)
        .where('user_id', 'in', users)
        .where('status', '=', 'active')
        .where('id', '!=', caller.deviceId)
        .orderBy('user_id')
        .orderBy('id')
        .execute();
      const entries = await this.#o.directory.latest(
        tenantId,
        targets.map((t) => t.id),
        trx,
      );
      // A device whose key is not in the directory cannot be checked by the SDK: never claimed.
      const claimable = targets.filter((t) => entries.has(t.id)).map((t) => t.id);
      const claimed = await claimKeyPackages(trx, this.#o.dialect, tenantId, claimable, now);
      const devices: ClaimedDevice[] = [];
      const unavailable: Array<{ userId: string; deviceId: string }> = [];
      for (const t of targets) {
        const kp = claimed.get(t.id);
        const directory = entries.get(t.id);
        if (kp && directory)
          devices.push({ userId: t.user_id, deviceId: t.id, keyPackage: kp.keyPackage, directory });
        else unavailable.push({ userId: t.user_id, deviceId: t.id });
      }
      return { devices, unavailable };
    });
  }

  /**
   * The device a KeyPackage belongs to, by its `KeyPackageRef` (RFC 9420 §5.2), in the tenant:
   * how the Delivery Service routes a Welcome, which names its recipients by these refs.
   */
  deviceForKeyPackageRef(
    tenantId: TenantId,
    ref: Uint8Array,
  ): Promise<{ userId: string; deviceId: string } | undefined> {
    return keyPackageOwner(this.#o.db, tenantId, hex(ref));
  }

  /**
   * The devices of the KeyPackages claimed in the tenant with these refs, by ref (hex): the
   * Delivery Service's Welcome routing (`secure/welcome-recipients.ts`). Unknown refs are absent.
   */
  async devicesForKeyPackageRefs(
    tenantId: TenantId,
    refs: readonly Uint8Array[],
  ): Promise<ReadonlyMap<string, string>> {
    const owners = await keyPackageOwners(this.#o.db, tenantId, refs.map(hex));
    return new Map(owners.map((o) => [o.ref, o.deviceId]));
  }
}
