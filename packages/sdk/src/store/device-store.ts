import { HeraldSdkError } from '../errors/sdk-errors.ts';

/** Options every store call accepts. */
export interface StoreCallOptions {
  readonly signal?: AbortSignal;
}

/**
 * Where a device keeps its secrets and state: its signature key, KeyPackage secrets, group
 * states and the key directory checkpoints it has seen. Bytes by key; each `set` is atomic (a
 * reader sees the old value or the new one, never a mix). Implementations: memory, file (Node),
 * IndexedDB (browsers). Keys are {@link isValidStoreKey} strings.
 */
export interface DeviceStore {
  get(key: string, options?: StoreCallOptions): Promise<Uint8Array | undefined>;
  set(key: string, value: Uint8Array, options?: StoreCallOptions): Promise<void>;
  delete(key: string, options?: StoreCallOptions): Promise<void>;
  /** Every key that starts with `prefix`, sorted. */
  keys(prefix: string, options?: StoreCallOptions): Promise<string[]>;
}

/** Longest store key. */
export const MAX_STORE_KEY = 200;
// Path-like keys (`group/<hex>`): safe as file names once `/` is escaped, never `.` or `..`.
const KEY = /^[a-z0-9][a-z0-9_.-]*(?:\/[a-z0-9][a-z0-9_.-]*)*$/;

/** Whether `key` is a valid store key: lowercase segments `[a-z0-9_.-]` joined by `/`. */
export function isValidStoreKey(key: string): boolean {
  return key.length <= MAX_STORE_KEY && KEY.test(key) && !key.split('/').some((s) => s.startsWith('.'));
}

/** Throws `HERALD_SDK_INVALID_ARGUMENT` unless `key` is a valid store key. */
export function checkStoreKey(key: string): void {
  if (!isValidStoreKey(key))
    throw new HeraldSdkError('HERALD_SDK_INVALID_ARGUMENT', { detail: 'invalid store key' });
}

/** Throws unless `prefix` could start a valid key (empty is every key). */
export function checkStorePrefix(prefix: string): void {
  if (prefix !== '' && !isValidStoreKey(prefix.replace(/\/$/, '')))
    throw new HeraldSdkError('HERALD_SDK_INVALID_ARGUMENT', { detail: 'invalid store key prefix' });
}

/** Reads a JSON value stored with {@link putJson}. */
export async function getJson<T>(
  store: DeviceStore,
  key: string,
  options?: StoreCallOptions,
): Promise<T | undefined> {
  const bytes = await store.get(key, options);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch (cause) {
    throw new HeraldSdkError('HERALD_SDK_STORE', { detail: `${key} is not JSON` }, { cause });
  }
}

/** Stores `value` as UTF-8 JSON. */
export function putJson(
  store: DeviceStore,
  key: string,
  value: unknown,
  options?: StoreCallOptions,
): Promise<void> {
  return store.set(key, new TextEncoder().encode(JSON.stringify(value)), options);
}
