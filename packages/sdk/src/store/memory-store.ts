import { checkStoreKey, checkStorePrefix, type DeviceStore } from './device-store.ts';

/** A {@link DeviceStore} in memory: for tests and short-lived senders. Values are copied in and out. */
export class MemoryStore implements DeviceStore {
  readonly #data = new Map<string, Uint8Array>();

  // async: a bad key is a rejected promise, like in the other stores.
  async get(key: string): Promise<Uint8Array | undefined> {
    checkStoreKey(key);
    return this.#data.get(key)?.slice();
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    checkStoreKey(key);
    this.#data.set(key, value.slice());
  }

  async delete(key: string): Promise<void> {
    checkStoreKey(key);
    this.#data.delete(key);
  }

  async keys(prefix: string): Promise<string[]> {
    checkStorePrefix(prefix);
    return [...this.#data.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}
