// The subset of the IndexedDB API the store uses, described here (not taken from the DOM lib)
// so the package type-checks without browser typings and tests can pass another implementation.

/** An `IDBRequest`. */
export interface IdbRequestLike<T> {
  readonly result: T;
  readonly error: { readonly name: string } | null;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}

/** An `IDBOpenDBRequest`. */
export interface IdbOpenRequestLike extends IdbRequestLike<IdbDatabaseLike> {
  onupgradeneeded: (() => void) | null;
}

/** An `IDBObjectStore`. */
export interface IdbObjectStoreLike {
  get(key: string): IdbRequestLike<unknown>;
  put(value: unknown, key: string): IdbRequestLike<unknown>;
  delete(key: string): IdbRequestLike<unknown>;
  getAllKeys(range?: unknown): IdbRequestLike<unknown[]>;
}

/** An `IDBTransaction`. */
export interface IdbTransactionLike {
  readonly error: { readonly name: string } | null;
  objectStore(name: string): IdbObjectStoreLike;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}

/** An `IDBDatabase`. */
export interface IdbDatabaseLike {
  readonly objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string): unknown;
  transaction(name: string, mode: 'readonly' | 'readwrite'): IdbTransactionLike;
  close(): void;
}

/** An `IDBFactory`. */
export interface IdbFactoryLike {
  open(name: string, version: number): IdbOpenRequestLike;
}

/** The `IDBKeyRange` constructor's static side. */
export interface IdbKeyRangeLike {
  bound(lower: string, upper: string, lowerOpen?: boolean, upperOpen?: boolean): unknown;
}
