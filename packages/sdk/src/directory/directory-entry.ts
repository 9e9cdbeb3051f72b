import { HeraldSdkError } from '../errors/sdk-errors.ts';
import { fromBase64 } from '../util/base64.ts';

/** The actions a key directory entry records. */
export const DIRECTORY_ACTIONS = ['publish', 'rotate', 'revoke'] as const;
export type DirectoryAction = (typeof DIRECTORY_ACTIONS)[number];

/**
 * One key directory entry: the UTF-8 JSON that is exactly the bytes of one leaf of the `keys`
 * log, `{"v":1,"action":…,"tenant":…,"user":…,"device":…,"suite":1,"key":"<b64>","at":<ms>}`.
 */
export interface DirectoryEntry {
  readonly action: DirectoryAction;
  readonly tenant: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly suite: number;
  /** The device's raw Ed25519 signature public key. */
  readonly key: Uint8Array;
  readonly at: number;
  /** The exact text hashed into the leaf. */
  readonly text: string;
}

const FIELDS = ['v', 'action', 'tenant', 'user', 'device', 'suite', 'key', 'at'];
const MAX_ENTRY_CHARS = 2048;

/**
 * Parses an entry strictly: exactly the contract's fields, version 1, a 32-byte key. Anything
 * else is `HERALD_SDK_KEY_NOT_IN_DIRECTORY` for the device it claims to be about, since an entry
 * the client cannot read proves nothing.
 */
export function parseDirectoryEntry(
  text: unknown,
  expect: { userId: string; deviceId: string },
): DirectoryEntry {
  const refuse = (detail: string) =>
    new HeraldSdkError('HERALD_SDK_KEY_NOT_IN_DIRECTORY', { ...expect, detail });
  if (typeof text !== 'string' || text.length > MAX_ENTRY_CHARS)
    throw refuse('the entry is not a JSON string');
  let v: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError();
    v = parsed as Record<string, unknown>;
  } catch {
    throw refuse('the entry is not JSON');
  }
  const keys = Object.keys(v);
  if (keys.length !== FIELDS.length || !FIELDS.every((f) => keys.includes(f)) || v.v !== 1)
    throw refuse('the entry has unexpected fields');
  const { action, tenant, user, device, suite, key, at } = v;
  if (typeof action !== 'string' || !(DIRECTORY_ACTIONS as readonly string[]).includes(action))
    throw refuse('unknown action');
  if (typeof tenant !== 'string' || typeof user !== 'string' || typeof device !== 'string')
    throw refuse('the entry does not name a device');
  if (user !== expect.userId || device !== expect.deviceId) throw refuse('the entry names another device');
  if (
    typeof suite !== 'number' ||
    !Number.isSafeInteger(suite) ||
    typeof at !== 'number' ||
    !Number.isSafeInteger(at)
  )
    throw refuse('bad suite or time');
  let raw: Uint8Array;
  try {
    raw = fromBase64(key, 'key');
  } catch {
    throw refuse('the key is not base64');
  }
  if (raw.length !== 32) throw refuse('the key is not 32 bytes');
  return {
    action: action as DirectoryAction,
    tenant,
    userId: user,
    deviceId: device,
    suite,
    key: raw,
    at,
    text,
  };
}
