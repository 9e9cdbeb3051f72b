import type { KeyObject } from 'node:crypto';
import { bytesEqual } from './node-primitives.ts';

/**
 * A bounded cache of imported *public* keys, keyed by their encoding. Importing a key into
 * OpenSSL costs more than using it, and ts-mls hands us the same raw public keys (tree members'
 * signature and HPKE keys) over and over. Oldest entries go first once `capacity` is reached.
 * Public keys are not secret, so keeping them costs nothing in forward secrecy.
 */
export class PublicKeyCache {
  readonly #entries = new Map<string, KeyObject>();
  // ts-mls passes the same arrays (tree leaves) again and again: a first look by identity skips
  // even the encoding of the key; the bytes are compared because arrays can change in place.
  readonly #byArray = new WeakMap<Uint8Array, { readonly bytes: Uint8Array; readonly key: KeyObject }>();
  readonly #capacity: number;

  constructor(capacity = 4096) {
    this.#capacity = capacity;
  }

  /** The cached key for `raw`, importing it with `load` on a miss. */
  get(raw: Uint8Array, load: (raw: Uint8Array) => KeyObject): KeyObject {
    const seen = this.#byArray.get(raw);
    if (seen !== undefined && bytesEqual(seen.bytes, raw)) return seen.key;
    const key = this.#byContent(raw, load);
    this.#byArray.set(raw, { bytes: new Uint8Array(raw), key });
    return key;
  }

  #byContent(raw: Uint8Array, load: (raw: Uint8Array) => KeyObject): KeyObject {
    const id = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
    const hit = this.#entries.get(id);
    if (hit !== undefined) return hit;
    const key = load(raw);
    if (this.#entries.size >= this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(id, key);
    return key;
  }
}

/**
 * A cache of imported *private* signing keys keyed by the identity of the `Uint8Array` that holds
 * them (a `WeakMap`), so an entry lives exactly as long as the group state that owns the key and
 * no secret is ever used as a map key. Each hit re-checks the bytes: ts-mls zeroes arrays in place
 * and a stale key must never sign.
 */
export class PrivateKeyCache {
  readonly #entries = new WeakMap<Uint8Array, { readonly bytes: Uint8Array; readonly key: KeyObject }>();

  /** The cached key for `raw`, importing it with `load` on a miss or after `raw` changed. */
  get(raw: Uint8Array, load: (raw: Uint8Array) => KeyObject): KeyObject {
    const hit = this.#entries.get(raw);
    if (hit !== undefined && bytesEqual(hit.bytes, raw)) return hit.key;
    const key = load(raw);
    this.#entries.set(raw, { bytes: new Uint8Array(raw), key });
    return key;
  }
}
