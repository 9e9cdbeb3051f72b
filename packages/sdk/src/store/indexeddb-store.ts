import { HeraldSdkError } from '../errors/sdk-errors.ts';
import { checkStoreKey, checkStorePrefix, type DeviceStore } from './device-store.ts';
import type {
  IdbDatabaseLike,
  IdbFactoryLike,
  IdbKeyRangeLike,
  IdbRequestLike,
  IdbTransactionLike,
} from './indexeddb-subset.ts';

const OBJECT_STORE = 'kv';

function request<T>(req: IdbRequestLike<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () =>
      reject(
        new HeraldSdkError('HERALD_SDK_STORE', { detail: req.error?.name ?? 'IndexedDB request failed' }),
      );
  });
}

function done(tx: IdbTransactionLike): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    const fail = () =>
      reject(
        new HeraldSdkError('HERALD_SDK_STORE', { detail: tx.error?.name ?? 'IndexedDB transaction failed' }),
      );
    tx.onerror = fail;
    tx.onabort = fail;
  });
}

/** Options of {@link IndexedDbStore}. */
export interface IndexedDbStoreOptions {
  /** Database name (one per device identity; default `herald-device`). */
  readonly name?: string;
  /** The `IDBFactory` (default `globalThis.indexedDB`). */
  readonly indexedDB?: IdbFactoryLike;
  /** The `IDBKeyRange` class (default `globalThis.IDBKeyRange`). */
  readonly keyRange?: IdbKeyRangeLike;
}

/**
 * A {@link DeviceStore} in the browser's IndexedDB: one object store, values as `Uint8Array`,
 * every write in its own transaction (atomic per key). The browser keeps the database per origin.
 */
export class IndexedDbStore implements DeviceStore {
  readonly #db: Promise<IdbDatabaseLike>;
  readonly #keyRange: IdbKeyRangeLike;

  constructor(options: IndexedDbStoreOptions = {}) {
    const g = globalThis as { indexedDB?: IdbFactoryLike; IDBKeyRange?: IdbKeyRangeLike };
    const factory = options.indexedDB ?? g.indexedDB;
    const keyRange = options.keyRange ?? g.IDBKeyRange;
    if (factory === undefined || keyRange === undefined)
      throw new HeraldSdkError('HERALD_SDK_INVALID_ARGUMENT', { detail: 'IndexedDB is not available' });
    this.#keyRange = keyRange;
    const open = factory.open(options.name ?? 'herald-device', 1);
    open.onupgradeneeded = () => {
      if (!open.result.objectStoreNames.contains(OBJECT_STORE)) open.result.createObjectStore(OBJECT_STORE);
    };
    this.#db = request(open);
    // A failure surfaces on first use; do not let it become an unhandled rejection meanwhile.
    this.#db.catch(() => undefined);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkStoreKey(key);
    const tx = (await this.#db).transaction(OBJECT_STORE, 'readonly');
    const v = await request(tx.objectStore(OBJECT_STORE).get(key));
    if (v === undefined) return undefined;
    if (!(v instanceof Uint8Array))
      throw new HeraldSdkError('HERALD_SDK_STORE', { detail: `${key} is not bytes` });
    return v;
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    checkStoreKey(key);
    const tx = (await this.#db).transaction(OBJECT_STORE, 'readwrite');
    tx.objectStore(OBJECT_STORE).put(value.slice(), key);
    await done(tx);
  }

  async delete(key: string): Promise<void> {
    checkStoreKey(key);
    const tx = (await this.#db).transaction(OBJECT_STORE, 'readwrite');
    tx.objectStore(OBJECT_STORE).delete(key);
    await done(tx);
  }

  async keys(prefix: string): Promise<string[]> {
    checkStorePrefix(prefix);
    const tx = (await this.#db).transaction(OBJECT_STORE, 'readonly');
    // Keys sort by code unit; every key with the prefix lies in [prefix, prefix + U+FFFF).
    const range = prefix === '' ? undefined : this.#keyRange.bound(prefix, `${prefix}\uffff`, false, true);
    const keys = await request(tx.objectStore(OBJECT_STORE).getAllKeys(range));
    return keys.map(String).sort();
  }

  /** Closes the database connection. */
  async close(): Promise<void> {
    (await this.#db).close();
  }
}
