import {
  hashLeaf,
  inclusionProofFromJson,
  consistencyProofFromJson,
  openCheckpoint,
  parseVerifierKey,
  verifyConsistency,
  verifyInclusion,
  type Checkpoint,
  type NoteVerifier,
} from '@herald/server/tlog';
import { HeraldApiError } from '../errors/api-error.ts';
import { HeraldSdkError, isHeraldSdkError } from '../errors/sdk-errors.ts';
import type { CallOptions, HttpClient } from '../http/http-client.ts';
import { getJson, putJson, type DeviceStore } from '../store/device-store.ts';
import { bytesEqual, utf8 } from '../util/base64.ts';
import { sleep, Serial } from '../util/serial.ts';
import { array, object } from '../util/shape.ts';
import { parseDirectoryEntry, type DirectoryEntry } from './directory-entry.ts';

/** A device as the key directory names it. */
export interface DeviceIdentity {
  readonly userId: string;
  readonly deviceId: string;
}

/** Options of {@link KeyDirectory}. */
export interface KeyDirectoryOptions {
  readonly http: HttpClient;
  readonly store: DeviceStore;
  /**
   * The `keys` log's C2SP note verifier key (`<name>+<id>+<base64>`), from the client's own
   * configuration: never fetched from the server it checks.
   */
  readonly verifierKey: string;
  /** The log's checkpoint origin (default: the verifier key's name, e.g. `herald.example.com/keys`). */
  readonly origin?: string;
  /** The tenant every entry must belong to, once known (enrollment tells the device its own). */
  tenant?: string | undefined;
  /** How long a verified checkpoint is reused before a fresh one is fetched (default 5 s). */
  readonly checkpointMaxAgeMs?: number;
  /** How long to wait for the sequencer to integrate a new entry (default 10 s). */
  readonly integrationTimeoutMs?: number;
  /** How long a proven device key is reused without asking again (default 30 s). */
  readonly keyCacheMs?: number;
  readonly now?: () => number;
}

const LATEST = 'directory/latest';
const seenKey = (size: number) => `directory/checkpoint/${String(size).padStart(16, '0')}`;

interface Verified {
  readonly checkpoint: Checkpoint;
  readonly at: number;
}

/** A device's current key as the directory proves it, or its revocation. */
export type ProvenKey =
  | { readonly status: 'active'; readonly key: Uint8Array; readonly entry: DirectoryEntry }
  | { readonly status: 'revoked'; readonly entry: DirectoryEntry };

/**
 * The client side of key transparency (docs/secure-channel.md): checkpoints are verified with the
 * configured key, every checkpoint seen is kept in the store and each new one must be consistent
 * with the last (RFC 9162 §2.1.4), and a device key is used only when its entries are included
 * (RFC 9162 §2.1.3) in a verified checkpoint. A server that substitutes a key or forks the log is
 * refused with `HERALD_SDK_KEY_NOT_IN_DIRECTORY` or `HERALD_SDK_DIRECTORY_INCONSISTENT`.
 */
export class KeyDirectory {
  readonly #o: KeyDirectoryOptions;
  readonly #verifier: NoteVerifier;
  readonly #origin: string;
  readonly #serial = new Serial();
  readonly #keys = new Map<string, { readonly proven: ProvenKey; readonly at: number }>();
  readonly #anyTenant = new Set<string>();
  #current: Verified | undefined;

  constructor(options: KeyDirectoryOptions) {
    this.#o = options;
    try {
      this.#verifier = parseVerifierKey(options.verifierKey);
    } catch (cause) {
      throw new HeraldSdkError(
        'HERALD_SDK_INVALID_ARGUMENT',
        { detail: 'directoryVerifierKey is not a note verifier key' },
        { cause },
      );
    }
    this.#origin = options.origin ?? this.#verifier.name;
  }

  /** The tenant entries must name (set by the device client after enrollment). */
  set tenant(tenant: string | undefined) {
    this.#o.tenant = tenant;
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  /**
   * The latest verified checkpoint, fetched again when older than `checkpointMaxAgeMs` or when
   * it does not cover `minSize` leaves.
   */
  checkpoint(options: CallOptions & { readonly minSize?: number } = {}): Promise<Checkpoint> {
    return this.#serial.run(async () => {
      const cur = this.#current;
      const fresh = cur !== undefined && this.#now() - cur.at < (this.#o.checkpointMaxAgeMs ?? 5000);
      if (fresh && cur.checkpoint.size >= (options.minSize ?? 0)) return cur.checkpoint;
      return (await this.#refresh(options)).checkpoint;
    });
  }

  async #refresh(options: CallOptions): Promise<Verified> {
    const note = await this.#o.http.text({
      method: 'GET',
      path: '/v1/tlog/keys/checkpoint',
      auth: false,
      ...options,
    });
    let next: Checkpoint;
    try {
      next = openCheckpoint(note, { origin: this.#origin, verifiers: [this.#verifier] }).checkpoint;
    } catch (cause) {
      const code = (cause as { code?: unknown }).code;
      throw new HeraldSdkError(
        'HERALD_SDK_CHECKPOINT_INVALID',
        { detail: typeof code === 'string' ? code : 'unreadable' },
        { cause },
      );
    }
    const lastNote = await getJson<string>(this.#o.store, LATEST, options);
    const last = lastNote === undefined ? undefined : this.#openStored(lastNote);
    if (last === undefined || next.size > last.size) {
      if (last !== undefined) await this.#checkConsistent(last, next, options);
      await putJson(this.#o.store, seenKey(next.size), note, options);
      await putJson(this.#o.store, LATEST, note, options);
      this.#current = { checkpoint: next, at: this.#now() };
    } else {
      // An older or equal checkpoint (a lagging replica) must still be a prefix of the latest.
      await this.#checkConsistent(next, last, options);
      this.#current = { checkpoint: last, at: this.#now() };
    }
    return this.#current;
  }

  #openStored(note: string): Checkpoint {
    try {
      return openCheckpoint(note, { origin: this.#origin, verifiers: [this.#verifier] }).checkpoint;
    } catch (cause) {
      throw new HeraldSdkError(
        'HERALD_SDK_STORE',
        { detail: 'stored checkpoint does not verify' },
        { cause },
      );
    }
  }

  async #checkConsistent(older: Checkpoint, newer: Checkpoint, options: CallOptions): Promise<void> {
    const inconsistent = () =>
      new HeraldSdkError('HERALD_SDK_DIRECTORY_INCONSISTENT', { from: older.size, to: newer.size });
    if (older.size === newer.size) {
      if (!bytesEqual(older.root, newer.root)) throw inconsistent();
      return;
    }
    if (older.size === 0) return;
    const body = await this.#o.http.json({
      method: 'GET',
      path: '/v1/tlog/keys/consistency',
      query: { from: older.size, to: newer.size },
      auth: false,
      ...options,
    });
    let ok = false;
    try {
      const proof = consistencyProofFromJson(body);
      ok =
        proof.size1 === older.size &&
        proof.size2 === newer.size &&
        verifyConsistency(proof, older.root, newer.root);
    } catch {
      ok = false;
    }
    if (!ok) throw inconsistent();
  }

  /** Proves that leaf `leafIndex` of the log is exactly `entry`; throws `KEY_NOT_IN_DIRECTORY` if not. */
  async proveEntry(entry: DirectoryEntry, leafIndex: number, options: CallOptions = {}): Promise<void> {
    const who = { userId: entry.userId, deviceId: entry.deviceId };
    const tenantBound = !this.#anyTenant.has(`${entry.userId}:${entry.deviceId}`);
    if (tenantBound && this.#o.tenant !== undefined && entry.tenant !== this.#o.tenant)
      throw new HeraldSdkError('HERALD_SDK_KEY_NOT_IN_DIRECTORY', {
        ...who,
        detail: 'the entry belongs to another tenant',
      });
    const cp = await this.checkpoint({ ...options, minSize: leafIndex + 1 });
    if (leafIndex >= cp.size) throw new HeraldSdkError('HERALD_SDK_DIRECTORY_PENDING', who);
    let body: unknown;
    try {
      body = await this.#o.http.json({
        method: 'GET',
        path: '/v1/tlog/keys/inclusion',
        query: { index: leafIndex, size: cp.size },
        auth: false,
        ...options,
      });
    } catch (err) {
      if (err instanceof HeraldApiError && err.status < 500)
        throw new HeraldSdkError(
          'HERALD_SDK_KEY_NOT_IN_DIRECTORY',
          { ...who, detail: 'no inclusion proof' },
          { cause: err },
        );
      throw err;
    }
    let ok = false;
    try {
      const proof = inclusionProofFromJson(body);
      ok =
        proof.leafIndex === leafIndex &&
        proof.treeSize === cp.size &&
        verifyInclusion(proof, hashLeaf(utf8(entry.text)), cp.root);
    } catch {
      ok = false;
    }
    if (!ok)
      throw new HeraldSdkError('HERALD_SDK_KEY_NOT_IN_DIRECTORY', {
        ...who,
        detail: 'the inclusion proof does not verify',
      });
  }

  /**
   * The device's current key, proven: every entry the directory lists for it must be included
   * in a verified checkpoint, in log order; the last one decides (a `revoke` ends the key).
   * Waits up to `integrationTimeoutMs` for entries the sequencer has not integrated yet.
   */
  async deviceKey(device: DeviceIdentity, options: CallOptions = {}): Promise<ProvenKey> {
    const id = `${device.userId}:${device.deviceId}`;
    const hit = this.#keys.get(id);
    if (hit !== undefined && this.#now() - hit.at < (this.#o.keyCacheMs ?? 30_000)) return hit.proven;
    const deadline = this.#now() + (this.#o.integrationTimeoutMs ?? 10_000);
    for (;;) {
      try {
        const proven = await this.#proveDevice(device, options);
        this.#keys.set(id, { proven, at: this.#now() });
        return proven;
      } catch (err) {
        if (!isHeraldSdkError(err, 'HERALD_SDK_DIRECTORY_PENDING') || this.#now() >= deadline) throw err;
        await sleep(200, options.signal);
      }
    }
  }

  /**
   * The device's key, which must equal `key` and be active; throws `HERALD_SDK_KEY_REVOKED` or
   * `HERALD_SDK_KEY_NOT_IN_DIRECTORY` (the server showed a key the directory does not prove).
   */
  async requireKey(
    device: DeviceIdentity,
    key: Uint8Array,
    options: CallOptions = {},
  ): Promise<DirectoryEntry> {
    const proven = await this.deviceKey(device, options);
    if (proven.status === 'revoked') throw new HeraldSdkError('HERALD_SDK_KEY_REVOKED', { ...device });
    if (!bytesEqual(proven.key, key))
      throw new HeraldSdkError('HERALD_SDK_KEY_NOT_IN_DIRECTORY', {
        ...device,
        detail: 'the key differs from the directory',
      });
    return proven.entry;
  }

  /**
   * Lets `device`'s entries name any tenant: the Delivery Service's own identity is one per
   * deployment, not per tenant.
   */
  allowAnyTenant(device: DeviceIdentity): void {
    this.#anyTenant.add(`${device.userId}:${device.deviceId}`);
  }

  /** Forgets cached device keys (after a revocation is seen, for example). */
  forget(device?: DeviceIdentity): void {
    if (device === undefined) this.#keys.clear();
    else this.#keys.delete(`${device.userId}:${device.deviceId}`);
  }

  async #proveDevice(device: DeviceIdentity, options: CallOptions): Promise<ProvenKey> {
    let body: unknown;
    try {
      body = await this.#o.http.json({
        method: 'GET',
        path: `/v1/directory/${encodeURIComponent(device.userId)}/${encodeURIComponent(device.deviceId)}`,
        ...options,
      });
    } catch (err) {
      if (err instanceof HeraldApiError && err.status === 404)
        throw new HeraldSdkError(
          'HERALD_SDK_KEY_NOT_IN_DIRECTORY',
          { ...device, detail: 'no entry' },
          { cause: err },
        );
      throw err;
    }
    const items = array(object(body, 'directory').entries, 'directory entries', 1000);
    if (items.length === 0)
      throw new HeraldSdkError('HERALD_SDK_KEY_NOT_IN_DIRECTORY', { ...device, detail: 'no entry' });
    let last: DirectoryEntry | undefined;
    let lastIndex = -1;
    for (const item of items) {
      const o = object(item, 'directory entry');
      const entry = parseDirectoryEntry(o.entry, device);
      if (o.leafIndex === null) throw new HeraldSdkError('HERALD_SDK_DIRECTORY_PENDING', { ...device });
      if (typeof o.leafIndex !== 'number' || !Number.isSafeInteger(o.leafIndex) || o.leafIndex <= lastIndex)
        throw new HeraldSdkError('HERALD_SDK_KEY_NOT_IN_DIRECTORY', {
          ...device,
          detail: 'entries out of log order',
        });
      await this.proveEntry(entry, o.leafIndex, options);
      if (last?.action === 'revoke')
        throw new HeraldSdkError('HERALD_SDK_KEY_NOT_IN_DIRECTORY', {
          ...device,
          detail: 'an entry follows the revocation',
        });
      last = entry;
      lastIndex = o.leafIndex;
    }
    const entry = last!;
    return entry.action === 'revoke'
      ? { status: 'revoked', entry }
      : { status: 'active', key: entry.key, entry };
  }
}
