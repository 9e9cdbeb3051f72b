import type { MlsMember } from '@herald/server/mls';
import { bytesEqual } from '../util/base64.ts';
import type { Roster } from './secure-api.ts';

/**
 * The roster a committer reports (docs/secure-channel.md): the leaves a commit filled and
 * emptied, found by comparing the members before and after it. A leaf whose occupant changed
 * (removed, then refilled by an Add in the same commit) counts as both.
 */
export function rosterBetween(before: readonly MlsMember[], after: readonly MlsMember[]): Roster {
  const at = (list: readonly MlsMember[]) => new Map(list.map((m) => [m.leafIndex, m]));
  const old = at(before);
  const now = at(after);
  const same = (a: MlsMember | undefined, b: MlsMember | undefined) =>
    a !== undefined &&
    b !== undefined &&
    bytesEqual(a.signaturePublicKey, b.signaturePublicKey) &&
    a.identity?.userId === b.identity?.userId &&
    a.identity?.deviceId === b.identity?.deviceId;
  const removed = before.filter((m) => !same(m, now.get(m.leafIndex))).map((m) => m.leafIndex);
  const added = after
    .filter((m) => !same(m, old.get(m.leafIndex)) && m.identity !== undefined)
    .map((m) => ({ userId: m.identity!.userId, deviceId: m.identity!.deviceId, leafIndex: m.leafIndex }));
  return { added, removed };
}
