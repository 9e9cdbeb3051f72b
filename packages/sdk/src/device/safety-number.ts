import type { MlsMember } from '@herald/server/mls';
import { utf8 } from '../util/base64.ts';

const LABEL = utf8('herald safety number v1');
/** Six groups of five digits, like Signal's safety numbers: enough to compare aloud. */
const GROUPS = 6;

function u32(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function lengthPrefixed(bytes: Uint8Array): Uint8Array[] {
  return [u32(bytes.length), bytes];
}

/**
 * A group's safety number: SHA-256 over the group id, the epoch, the epoch authenticator
 * (RFC 9420 §8.7, which every member derives from the key schedule) and each member's identity
 * and signature key in a fixed order, shown as six groups of five digits. Every member's device
 * computes the same string for the same group state; comparing it out of band detects a server
 * that showed members different groups or keys.
 */
export async function safetyNumber(input: {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly epochAuthenticator: Uint8Array;
  readonly members: readonly MlsMember[];
}): Promise<string> {
  const members = input.members
    .map((m) => ({ id: m.identity === undefined ? '' : `${m.identity.userId}:${m.identity.deviceId}`, m }))
    // Sorted by identity, then key: the order must not depend on which device computes it.
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.m.leafIndex - b.m.leafIndex));
  const epoch = new Uint8Array(8);
  new DataView(epoch.buffer).setBigUint64(0, input.epoch);
  const parts: Uint8Array[] = [
    ...lengthPrefixed(LABEL),
    ...lengthPrefixed(input.groupId),
    epoch,
    ...lengthPrefixed(input.epochAuthenticator),
    u32(members.length),
  ];
  for (const { id, m } of members)
    parts.push(...lengthPrefixed(utf8(id)), ...lengthPrefixed(m.signaturePublicKey));
  const size = parts.reduce((n, p) => n + p.length, 0);
  const all = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', all));
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    // 5 bytes (40 bits) per group, reduced to 5 digits: bias below 1e-7.
    let n = 0;
    for (let i = 0; i < 5; i++) n = n * 256 + digest[g * 5 + i]!;
    groups.push(String(n % 100_000).padStart(5, '0'));
  }
  return groups.join(' ');
}
