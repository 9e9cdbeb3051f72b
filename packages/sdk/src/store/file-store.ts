import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { HeraldSdkError } from '../errors/sdk-errors.ts';
import { checkStoreKey, checkStorePrefix, type DeviceStore } from './device-store.ts';

// Node only: one file per key in one directory (0700), each file 0600.
const SUFFIX = '.bin';
const fileName = (key: string) => `${key.replaceAll('/', '~')}${SUFFIX}`;
const keyOf = (name: string) => name.slice(0, -SUFFIX.length).replaceAll('~', '/');

function storeError(op: string, cause: unknown): HeraldSdkError {
  const code = (cause as { code?: unknown }).code;
  return new HeraldSdkError(
    'HERALD_SDK_STORE',
    { detail: `${op}: ${typeof code === 'string' ? code : 'failed'}` },
    { cause },
  );
}

/**
 * A {@link DeviceStore} in a directory (Node): one file per key, readable by the owner only.
 * Writes go to a temporary file that is synced and then renamed over the old one, and the
 * directory is synced, so a crash leaves the old value or the new one.
 */
export class FileStore implements DeviceStore {
  readonly #dir: string;
  #ready: Promise<void> | undefined;

  constructor(directory: string) {
    this.#dir = directory;
  }

  #init(): Promise<void> {
    this.#ready ??= mkdir(this.#dir, { recursive: true, mode: 0o700 }).then(
      () => undefined,
      (cause: unknown) => {
        this.#ready = undefined;
        throw storeError('mkdir', cause);
      },
    );
    return this.#ready;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkStoreKey(key);
    await this.#init();
    try {
      return new Uint8Array(await readFile(join(this.#dir, fileName(key))));
    } catch (cause) {
      if ((cause as { code?: unknown }).code === 'ENOENT') return undefined;
      throw storeError('read', cause);
    }
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    checkStoreKey(key);
    await this.#init();
    const target = join(this.#dir, fileName(key));
    const tmp = join(this.#dir, `.tmp-${randomBytes(8).toString('hex')}`);
    try {
      const fh = await open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(value);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, target);
      await this.#syncDir();
    } catch (cause) {
      await unlink(tmp).catch(() => undefined);
      throw storeError('write', cause);
    }
  }

  async delete(key: string): Promise<void> {
    checkStoreKey(key);
    await this.#init();
    try {
      await unlink(join(this.#dir, fileName(key)));
      await this.#syncDir();
    } catch (cause) {
      if ((cause as { code?: unknown }).code !== 'ENOENT') throw storeError('delete', cause);
    }
  }

  async keys(prefix: string): Promise<string[]> {
    checkStorePrefix(prefix);
    await this.#init();
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch (cause) {
      throw storeError('list', cause);
    }
    return names
      .filter((n) => n.endsWith(SUFFIX) && !n.startsWith('.'))
      .map(keyOf)
      .filter((k) => k.startsWith(prefix))
      .sort();
  }

  // A rename is durable only once the directory entry is on disk.
  async #syncDir(): Promise<void> {
    const dh = await open(this.#dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }
}
