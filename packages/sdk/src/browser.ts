// @herald/sdk/browser (also what `@herald/sdk` resolves to under a bundler's `browser`
// condition): everything in the main entry, plus `createBrowserDevice`, a device client with the
// browser's defaults. Bundled for browsers, the server package's tlog code takes its `browser`
// implementation (@noble/* instead of node:crypto), and the MLS engine is ts-mls with its stock
// WebCrypto provider; nothing here needs a Node built-in or `Buffer`.
import { createDevice, type DeviceClient, type DeviceClientOptions } from './device/device-client.ts';
import type { DeviceStore } from './store/device-store.ts';
import { IndexedDbStore } from './store/indexeddb-store.ts';

export * from './index.ts';

/** Options of {@link createBrowserDevice}: those of `createDevice`, with the store optional. */
export interface BrowserDeviceOptions extends Omit<DeviceClientOptions, 'store'> {
  /** Where the device keeps its state (default: an {@link IndexedDbStore} named `databaseName`). */
  readonly store?: DeviceStore;
  /** The IndexedDB database, one per device on this origin (default `herald-device`). */
  readonly databaseName?: string;
}

/**
 * Creates a device client for a browser page: state in IndexedDB (so it survives reloads), MLS
 * with ts-mls's WebCrypto provider, live updates over the global `WebSocket` with the token as
 * subprotocol. Loads the enrolled identity when the database has one.
 */
export function createBrowserDevice(options: BrowserDeviceOptions): Promise<DeviceClient> {
  const { store, databaseName, ...rest } = options;
  return createDevice({
    ...rest,
    store: store ?? new IndexedDbStore({ name: databaseName ?? 'herald-device' }),
  });
}
