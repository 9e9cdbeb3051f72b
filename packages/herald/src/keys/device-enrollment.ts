import { createPublicKey } from 'node:crypto';
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import { HeraldError } from '../errors/index.ts';
import { newId } from '../ids.ts';
import type { DeviceRecord, DeviceStore } from '../storage/device-store.ts';
import type { Database } from '../storage/schema.ts';
import type { TransactionRunner } from '../storage/transaction-runner.ts';
import type { AuditActor } from '../audit/audit-event.ts';
import type { TenantId } from '../ids.ts';
import type { Attestation, AttestationFormat, AttestationVerifier } from './attestation-verifier.ts';
import { generateDeviceToken } from './device-token.ts';
import {
  consumeEnrollmentToken,
  findEnrollmentGrant,
  issueEnrollmentToken,
  type IssuedEnrollmentToken,
} from './enrollment-tokens.ts';
import type { KeyDirectory } from './key-directory.ts';

/** Most devices (not revoked) one user may have: bounds what a KeyPackage claim returns. */
export const MAX_DEVICES_PER_USER = 50;

/** What a device sends to enroll (`POST /v1/devices`). */
export interface EnrollmentRequest {
  readonly enrollmentToken: string;
  readonly name?: string;
  /** The raw 32-byte Ed25519 public key its MLS credentials will carry. */
  readonly signatureKey: Uint8Array;
  readonly attestation?: Attestation;
}

/** The enrolled device, its bearer token (shown once) and its first key directory entry. */
export interface Enrollment {
  readonly device: DeviceRecord;
  readonly deviceToken: string;
  readonly directory: { readonly entry: string; readonly leafHash: Uint8Array };
}

export interface DeviceEnrollmentOptions {
  readonly db: Kysely<Database>;
  readonly tx: TransactionRunner;
  readonly devices: DeviceStore;
  readonly directory: KeyDirectory;
  /** One verifier per accepted format; a format without one is refused. */
  readonly verifiers: readonly AttestationVerifier[];
  readonly now?: () => number;
}

// RFC 8410: the SPKI prefix that wraps a raw Ed25519 public key.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Throws unless `key` is a raw 32-byte Ed25519 public key. */
export function checkSignatureKey(key: Uint8Array): void {
  const bad = () => new HeraldError('HERALD_ERR_KEYS_INVALID_SIGNATURE_KEY');
  if (key.length !== 32) throw bad();
  try {
    createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, key]), format: 'der', type: 'spki' });
  } catch {
    throw bad();
  }
}

/**
 * Enrolls devices with one-time tokens. Everything that can refuse without writing (token shape
 * and state, key, attestation) is checked first; then one transaction uses the token, creates
 * the device with its hashed bearer token, appends its `publish` entry to the key directory and
 * records `device.enrolled`. A refusal at any point leaves the token unused and no device.
 */
export class DeviceEnrollment {
  readonly #o: DeviceEnrollmentOptions;
  readonly #verifiers: ReadonlyMap<AttestationFormat, AttestationVerifier>;

  constructor(opts: DeviceEnrollmentOptions) {
    this.#o = opts;
    this.#verifiers = new Map(opts.verifiers.map((v) => [v.format, v]));
  }

  /** Issues a one-time token for `userId` in the actor's tenant (an audit event). */
  issueToken(
    actor: AuditActor & { readonly tenantId: TenantId },
    request: { readonly userId: string; readonly ttlSeconds?: number },
  ): Promise<IssuedEnrollmentToken> {
    return issueEnrollmentToken(this.#o.tx, actor, request, (this.#o.now ?? Date.now)());
  }

  /**
   * Publishes a key that belongs to no person's device: the Delivery Service's own MLS identity
   * (the external sender that proposes Removes, docs/secure-channel.md), as active device
   * `deviceId` of `userId` in the tenant with a `publish` entry, so credential checks and clients
   * find it in the directory like any other key. No bearer token is ever shown for it. Idempotent
   * for the same key; another key for the same device is refused (groups list the old one).
   */
  async publishServiceKey(
    tenantId: TenantId,
    key: {
      readonly userId: string;
      readonly deviceId: string;
      readonly signatureKey: Uint8Array;
      readonly name?: string;
    },
  ): Promise<DeviceRecord> {
    checkSignatureKey(key.signatureKey);
    const now = (this.#o.now ?? Date.now)();
    return this.#o.tx.run(async (trx) => {
      const existing = await this.#o.devices.get(tenantId, key.deviceId, trx);
      if (existing) {
        if (existing.status !== 'active' || !Buffer.from(existing.signatureKey).equals(key.signatureKey))
          throw new HeraldError('HERALD_ERR_KEYS_SERVICE_KEY_CONFLICT', { id: key.deviceId });
        return existing;
      }
      const device = await this.#o.devices.insert(
        {
          id: key.deviceId,
          tenantId,
          userId: key.userId,
          name: key.name ?? 'Herald Delivery Service',
          managed: false,
          signatureKey: Uint8Array.from(key.signatureKey),
          enrolledAt: now,
        },
        // A hash of a token nobody ever sees: no bearer token matches it.
        generateDeviceToken().hash,
        trx,
      );
      await this.#o.directory.append(trx, {
        action: 'publish',
        tenantId,
        userId: key.userId,
        deviceId: key.deviceId,
        key: key.signatureKey,
        at: now,
      });
      await recordAudit(
        trx,
        {
          actor: { id: 'herald', role: 'system', tenantId },
          action: 'device.enrolled',
          target: key.deviceId,
          tenantId,
          details: { userId: key.userId, managed: false, service: true },
        },
        now,
      );
      return device;
    });
  }

  async enroll(req: EnrollmentRequest, options: { signal?: AbortSignal } = {}): Promise<Enrollment> {
    const now = (this.#o.now ?? Date.now)();
    const grant = await findEnrollmentGrant(this.#o.db, req.enrollmentToken, now);
    checkSignatureKey(req.signatureKey);
    let managed = false;
    if (req.attestation) {
      const verifier = this.#verifiers.get(req.attestation.format);
      if (!verifier)
        throw new HeraldError('HERALD_ERR_KEYS_ATTESTATION_UNSUPPORTED', { format: req.attestation.format });
      const verdict = await verifier.verify(
        req.attestation.evidence,
        { tenantId: grant.tenantId, userId: grant.userId, signatureKey: req.signatureKey },
        { ...options, now: new Date(now) },
      );
      if (!verdict.ok)
        throw new HeraldError('HERALD_ERR_KEYS_ATTESTATION_REJECTED', { reason: verdict.reason });
      managed = verdict.managed;
    }
    const { token, hash } = generateDeviceToken();
    const id = newId<string>('dev');
    return this.#o.tx.run(async (trx) => {
      await consumeEnrollmentToken(trx, grant.hash, now);
      const held = await trx
        .selectFrom('devices')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('tenant_id', '=', grant.tenantId)
        .where('user_id', '=', grant.userId)
        .where('status', '!=', 'revoked')
        .executeTakeFirstOrThrow();
      if (Number(held.n) >= MAX_DEVICES_PER_USER)
        throw new HeraldError('HERALD_ERR_KEYS_TOO_MANY_DEVICES', { max: MAX_DEVICES_PER_USER });
      const device = await this.#o.devices.insert(
        {
          id,
          tenantId: grant.tenantId,
          userId: grant.userId,
          name: req.name ?? 'device',
          managed,
          signatureKey: Uint8Array.from(req.signatureKey),
          enrolledAt: now,
        },
        hash,
        trx,
      );
      const directory = await this.#o.directory.append(trx, {
        action: 'publish',
        tenantId: grant.tenantId,
        userId: grant.userId,
        deviceId: id,
        key: req.signatureKey,
        at: now,
      });
      await recordAudit(
        trx,
        {
          actor: { id, role: 'device', tenantId: grant.tenantId },
          action: 'device.enrolled',
          target: id,
          tenantId: grant.tenantId,
          details: { userId: grant.userId, managed, issuedBy: grant.createdBy },
        },
        now,
      );
      return { device, deviceToken: token, directory };
    });
  }
}
