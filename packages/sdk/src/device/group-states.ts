import type { MlsEngine, MlsGroupState } from '@herald/server/mls';
import { HeraldSdkError } from '../errors/sdk-errors.ts';
import { getJson, putJson, type DeviceStore } from '../store/device-store.ts';
import { fromBase64, toBase64, toHex } from '../util/base64.ts';

/** What the device remembers about a group besides its MLS state. */
export interface GroupMeta {
  /** Proposals from the server (Removes of revoked devices) wait for a commit. */
  readonly pendingProposals: boolean;
  /** This device was removed, or its state could not be recovered. */
  readonly inactive: boolean;
}

/** A commit this device sent, waiting for the server's echo; `next` is the state it leads to. */
export interface PendingCommit {
  readonly commit: Uint8Array;
  readonly next: MlsGroupState;
}

const stateKey = (hex: string) => `group/${hex}/state`;
const metaKey = (hex: string) => `group/${hex}/meta`;

/**
 * The device's group states: the store holds the last confirmed state of each group (never a
 * pending one), and a cache keeps the live objects, since an MLS state must not be used twice.
 */
export class GroupStates {
  readonly #engine: MlsEngine;
  readonly #store: DeviceStore;
  readonly #cache = new Map<string, MlsGroupState>();
  readonly #pending = new Map<string, PendingCommit>();

  constructor(engine: MlsEngine, store: DeviceStore) {
    this.#engine = engine;
    this.#store = store;
  }

  /** The hex form of a base64 group id (store keys), validating the id. */
  static hex(groupId: string): string {
    return toHex(GroupStates.bytes(groupId));
  }

  /** A base64 group id's bytes (16–64 bytes, docs/secure-channel.md). */
  static bytes(groupId: string): Uint8Array {
    let b: Uint8Array;
    try {
      b = fromBase64(groupId, 'groupId');
    } catch {
      throw new HeraldSdkError('HERALD_SDK_INVALID_ARGUMENT', { detail: 'groupId is not base64' });
    }
    if (b.length < 16 || b.length > 64)
      throw new HeraldSdkError('HERALD_SDK_INVALID_ARGUMENT', { detail: 'groupId must be 16 to 64 bytes' });
    return b;
  }

  /** The confirmed state of `groupId`, or `undefined` when this device holds none. */
  async get(groupId: string): Promise<MlsGroupState | undefined> {
    const hex = GroupStates.hex(groupId);
    const hit = this.#cache.get(hex);
    if (hit !== undefined) return hit;
    const bytes = await this.#store.get(stateKey(hex));
    if (bytes === undefined) return undefined;
    const state = this.#engine.importGroupState(bytes);
    this.#cache.set(hex, state);
    return state;
  }

  /** Like {@link get}, but throws `HERALD_SDK_UNKNOWN_GROUP`. */
  async require(groupId: string): Promise<MlsGroupState> {
    const s = await this.get(groupId);
    if (s === undefined) throw new HeraldSdkError('HERALD_SDK_UNKNOWN_GROUP', { groupId });
    return s;
  }

  /** Saves a confirmed state (after processing a message, encrypting, or an echoed commit). */
  async put(groupId: string, state: MlsGroupState): Promise<void> {
    const hex = GroupStates.hex(groupId);
    await this.#store.set(stateKey(hex), this.#engine.exportGroupState(state));
    this.#cache.set(hex, state);
  }

  /**
   * Drops the cached object so the next {@link get} re-imports the stored state: after a commit
   * was built from it (building one consumes secrets of the state it started from).
   */
  evict(groupId: string): void {
    this.#cache.delete(GroupStates.hex(groupId));
  }

  async meta(groupId: string): Promise<GroupMeta> {
    return (
      (await getJson<GroupMeta>(this.#store, metaKey(GroupStates.hex(groupId)))) ?? {
        pendingProposals: false,
        inactive: false,
      }
    );
  }

  async setMeta(groupId: string, patch: Partial<GroupMeta>): Promise<void> {
    await putJson(this.#store, metaKey(GroupStates.hex(groupId)), {
      ...(await this.meta(groupId)),
      ...patch,
    });
  }

  /** Every group this device holds a state for (base64 ids). */
  async list(): Promise<string[]> {
    const keys = await this.#store.keys('group/');
    const out: string[] = [];
    for (const k of keys) {
      const m = /^group\/([0-9a-f]+)\/state$/.exec(k);
      if (m !== null) out.push(toBase64(Uint8Array.from(m[1]!.match(/../g)!, (h) => parseInt(h, 16))));
    }
    return out;
  }

  pending(groupId: string): PendingCommit | undefined {
    return this.#pending.get(GroupStates.hex(groupId));
  }

  setPending(groupId: string, pending: PendingCommit | undefined): void {
    const hex = GroupStates.hex(groupId);
    if (pending === undefined) this.#pending.delete(hex);
    else this.#pending.set(hex, pending);
  }
}
