import { HeraldError } from '../errors/index.ts';
import type { LeafIndex } from './group-id.ts';
import type { RosterEntry } from './group-store.ts';

/** What a committer reports about its commit's membership changes (docs/secure-channel.md). */
export interface RosterChange {
  readonly added: readonly {
    readonly userId: string;
    readonly deviceId: string;
    readonly leafIndex: number;
  }[];
  readonly removed: readonly number[];
}

/** A device as the roster check needs it. */
export interface DeviceFacts {
  readonly id: string;
  readonly userId: string;
  readonly status: string;
}

/** The roster change to apply. */
export interface RosterPlan {
  readonly remove: readonly LeafIndex[];
  readonly add: readonly RosterEntry[];
}

const invalid = (detail: string) => new HeraldError('HERALD_ERR_SECURE_INVALID_ROSTER', { detail });

/**
 * Checks a reported roster change against the current roster and the devices it names: removed
 * leaves must be occupied, added leaves free (after the removals), added devices active devices
 * of the named user and not members yet, and the group no larger than `maxMembers`. The server
 * cannot check a PrivateMessage commit's proposals, so this is routing metadata: it decides who
 * receives what, never who can decrypt.
 */
export function planRoster(
  current: readonly RosterEntry[],
  change: RosterChange,
  devices: ReadonlyMap<string, DeviceFacts>,
  maxMembers: number,
): RosterPlan {
  const byLeaf = new Map(current.map((e) => [e.leafIndex as number, e]));
  const removed = new Set<number>();
  for (const leaf of change.removed) {
    if (!byLeaf.has(leaf)) throw invalid(`leaf ${leaf} is empty`);
    if (removed.has(leaf)) throw invalid(`leaf ${leaf} is removed twice`);
    removed.add(leaf);
  }
  const remaining = current.filter((e) => !removed.has(e.leafIndex));
  const takenLeaves = new Set(remaining.map((e) => e.leafIndex as number));
  const memberDevices = new Set(remaining.map((e) => e.deviceId));
  const add: RosterEntry[] = [];
  for (const a of change.added) {
    if (takenLeaves.has(a.leafIndex)) throw invalid(`leaf ${a.leafIndex} is taken`);
    if (memberDevices.has(a.deviceId)) throw invalid(`device ${a.deviceId} is already a member`);
    const d = devices.get(a.deviceId);
    if (!d || d.userId !== a.userId || d.status !== 'active')
      throw invalid(`device ${a.deviceId} is not an active device of user ${a.userId}`);
    takenLeaves.add(a.leafIndex);
    memberDevices.add(a.deviceId);
    add.push({ leafIndex: a.leafIndex as LeafIndex, userId: a.userId, deviceId: a.deviceId });
  }
  if (remaining.length + add.length > maxMembers)
    throw invalid(`the group would have more than ${maxMembers} members`);
  return { remove: [...removed] as LeafIndex[], add };
}
