import type {
  MlsEngine,
  MlsKeyPackageBundle,
  MlsMemberIdentity,
  MlsSignatureKeyPair,
} from '@herald/server/mls';
import type { CallOptions } from '../http/http-client.ts';
import { getJson, putJson, type DeviceStore } from '../store/device-store.ts';
import { fromBase64, toBase64, toHex } from '../util/base64.ts';
import type { SecureApi } from './secure-api.ts';

interface StoredBundle {
  readonly keyPackage: string;
  readonly ref: string;
  readonly secret: string;
  readonly lastResort: boolean;
}

const kpKey = (ref: Uint8Array) => `kp/${toHex(ref)}`;
const AVAILABLE = 'kp-available';
/** The server takes at most 100 KeyPackages per call (docs/secure-channel.md). */
const MAX_PER_CALL = 100;

/** Options of {@link KeyPackagePool}. */
export interface KeyPackagePoolOptions {
  /** KeyPackages per upload (default 20, at most 100). */
  readonly batch?: number;
  /** Upload a new batch when the server is thought to hold fewer than this (default 5). */
  readonly lowWater?: number;
}

/**
 * This device's KeyPackages: generated here, published to the server, their secrets kept in the
 * store under their `KeyPackageRef` until a Welcome uses them. One last-resort KeyPackage
 * (RFC 9420 §17.3) stays, so the device can always be added.
 */
export class KeyPackagePool {
  readonly #engine: MlsEngine;
  readonly #store: DeviceStore;
  readonly #api: SecureApi;
  readonly #batch: number;
  readonly #lowWater: number;

  constructor(engine: MlsEngine, store: DeviceStore, api: SecureApi, options: KeyPackagePoolOptions = {}) {
    this.#engine = engine;
    this.#store = store;
    this.#api = api;
    this.#batch = Math.min(Math.max(options.batch ?? 20, 1), MAX_PER_CALL);
    this.#lowWater = Math.max(options.lowWater ?? 5, 0);
  }

  /** Generates `count` KeyPackages (and a last-resort one if the store has none), keeps their secrets, uploads them. */
  async publish(
    identity: MlsMemberIdentity,
    signer: MlsSignatureKeyPair,
    count = this.#batch,
    options: CallOptions = {},
  ): Promise<{ stored: number; available: number }> {
    const n = Math.min(Math.max(Math.trunc(count), 0), MAX_PER_CALL);
    const bundles: MlsKeyPackageBundle[] = [];
    for (let i = 0; i < n; i++)
      bundles.push(await this.#engine.generateKeyPackage(identity, signer, options));
    const hasLastResort = (await this.#store.keys('kp-last-resort', options)).length > 0;
    const lastResort = hasLastResort
      ? undefined
      : await this.#engine.generateKeyPackage(identity, signer, { ...options, lastResort: true });
    // Secrets first: a KeyPackage the server hands out must always find its secret here.
    for (const b of bundles) await this.#keep(b, false);
    if (lastResort !== undefined) await this.#keep(lastResort, true);
    const r = await this.#api.uploadKeyPackages(
      bundles.map((b) => b.keyPackage),
      lastResort?.keyPackage,
      options,
    );
    if (lastResort !== undefined)
      await putJson(this.#store, 'kp-last-resort', toHex(lastResort.ref), options);
    await putJson(this.#store, AVAILABLE, r.available, options);
    return r;
  }

  /** Uploads a batch when the server is thought to run low (each Welcome used one). */
  async topUp(
    identity: MlsMemberIdentity,
    signer: MlsSignatureKeyPair,
    options: CallOptions = {},
  ): Promise<boolean> {
    const available = (await getJson<number>(this.#store, AVAILABLE, options)) ?? 0;
    if (available >= this.#lowWater) return false;
    await this.publish(identity, signer, this.#batch, options);
    return true;
  }

  /** The bundle a Welcome names by `ref`, if this device made it. */
  async find(ref: Uint8Array): Promise<MlsKeyPackageBundle | undefined> {
    const s = await getJson<StoredBundle>(this.#store, kpKey(ref));
    if (s === undefined) return undefined;
    return {
      keyPackage: fromBase64(s.keyPackage, 'keyPackage'),
      ref: fromBase64(s.ref, 'ref'),
      secret: fromBase64(s.secret, 'secret'),
    };
  }

  /** Forgets a used KeyPackage's secret (a last-resort one is kept for reuse). */
  async used(ref: Uint8Array): Promise<void> {
    const s = await getJson<StoredBundle>(this.#store, kpKey(ref));
    if (s !== undefined && !s.lastResort) await this.#store.delete(kpKey(ref));
    const available = (await getJson<number>(this.#store, AVAILABLE)) ?? 0;
    await putJson(this.#store, AVAILABLE, Math.max(available - 1, 0));
  }

  async #keep(b: MlsKeyPackageBundle, lastResort: boolean): Promise<void> {
    const s: StoredBundle = {
      keyPackage: toBase64(b.keyPackage),
      ref: toBase64(b.ref),
      secret: toBase64(b.secret),
      lastResort,
    };
    await putJson(this.#store, kpKey(b.ref), s);
  }
}
