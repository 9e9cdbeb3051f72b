import { hashLeaf, type Hash } from '../tlog/index.ts';

/** What an entry of the key directory records about a device key. */
export const DIRECTORY_ACTIONS = ['publish', 'rotate', 'revoke'] as const;
export type DirectoryAction = (typeof DIRECTORY_ACTIONS)[number];

/**
 * The MLS cipher suite whose signature scheme the directory's keys belong to: 0x0001, Ed25519
 * (RFC 9420 §17.1). Devices enroll raw 32-byte Ed25519 keys, so every entry names this suite.
 */
export const DIRECTORY_SUITE = 1;

/** One key directory entry, in the field order of its JSON (docs/secure-channel.md). */
export interface KeyDirectoryEntry {
  readonly v: 1;
  readonly action: DirectoryAction;
  readonly tenant: string;
  readonly user: string;
  readonly device: string;
  readonly suite: number;
  /** The raw signature public key, standard base64. */
  readonly key: string;
  /** Milliseconds since the epoch. */
  readonly at: number;
}

/**
 * The entry's JSON text: exactly the UTF-8 bytes hashed into the leaf. Fields are written in a
 * fixed order, so anyone holding the values can rebuild the bytes and the leaf hash.
 */
export function encodeDirectoryEntry(e: {
  action: DirectoryAction;
  tenant: string;
  user: string;
  device: string;
  key: Uint8Array;
  at: number;
}): string {
  const entry: KeyDirectoryEntry = {
    v: 1,
    action: e.action,
    tenant: e.tenant,
    user: e.user,
    device: e.device,
    suite: DIRECTORY_SUITE,
    key: Buffer.from(e.key).toString('base64'),
    at: e.at,
  };
  return JSON.stringify(entry);
}

/** RFC 9162 §2.1.1 leaf hash of an entry's JSON text (its UTF-8 bytes). */
export function directoryLeafHash(entry: string): Hash {
  return hashLeaf(new TextEncoder().encode(entry));
}
