import { checkStoreKey, checkStorePrefix, type DeviceStore } from './device-store.ts';

/** A {@link DeviceStore} in memory: for tests and short-lived senders. Values are copied in and out. */
export class MemoryStore implements DeviceStore {
  readonly #data = new Map<string, Uint8Array>();

  get(key: string): Promise<Uint8Array | undefined> {
    checkStoreKey(key);
    const v = this.#data.get(key);
    return Promise.resolve(v === undefined ? undefined : v.slice());
  }

  set(key: string, value: Uint8Array): Promise<void> {
    checkStoreKey(key);
    this.#data.set(key, value.slice());
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    checkStoreKey(key);
    this.#data.delete(key);
    return Promise.resolve();
  }

  keys(prefix: string): Promise<string[]> {
    checkStorePrefix(prefix);
    return Promise.resolve([...this.#data.keys()].filter((k) => k.startsWith(prefix)).sort());
  }
}
