import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHeraldError } from '../errors/index.ts';
import type { LeafIndex } from './group-id.ts';
import type { RosterEntry } from './group-store.ts';
import { planRoster, type DeviceFacts } from './roster-plan.ts';

const entry = (leaf: number, userId: string, deviceId: string): RosterEntry => ({
  leafIndex: leaf as LeafIndex,
  userId,
  deviceId,
});
const current = [entry(0, 'alice', 'a1'), entry(1, 'bob', 'b1'), entry(3, 'carol', 'c1')];
const devices = new Map<string, DeviceFacts>([
  ['b2', { id: 'b2', userId: 'bob', status: 'active' }],
  ['d1', { id: 'd1', userId: 'dave', status: 'active' }],
  ['s1', { id: 's1', userId: 'sam', status: 'suspended' }],
]);

function refused(fn: () => unknown, detail: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isHeraldError(err));
    assert.equal(err.code, 'HERALD_ERR_SECURE_INVALID_ROSTER');
    assert.match(err.message, detail);
    return true;
  });
}

describe('planRoster', () => {
  it('removes occupied leaves and adds active devices of the named users at free leaves', () => {
    const plan = planRoster(
      current,
      {
        removed: [3],
        added: [
          { userId: 'bob', deviceId: 'b2', leafIndex: 2 },
          { userId: 'dave', deviceId: 'd1', leafIndex: 3 },
        ],
      },
      devices,
      10,
    );
    assert.deepEqual(plan.remove, [3]);
    assert.deepEqual(plan.add, [entry(2, 'bob', 'b2'), entry(3, 'dave', 'd1')]);
  });

  it('lets a device take a new leaf when its old one is removed in the same commit (a resync)', () => {
    const bob = new Map([['b1', { id: 'b1', userId: 'bob', status: 'active' }]]);
    const plan = planRoster(
      current,
      { removed: [1], added: [{ userId: 'bob', deviceId: 'b1', leafIndex: 2 }] },
      bob,
      10,
    );
    assert.deepEqual(plan, { remove: [1], add: [entry(2, 'bob', 'b1')] });
  });

  it('refuses empty or twice-removed leaves, taken leaves and existing members', () => {
    refused(() => planRoster(current, { removed: [2], added: [] }, devices, 10), /leaf 2 is empty/);
    refused(() => planRoster(current, { removed: [1, 1], added: [] }, devices, 10), /removed twice/);
    refused(
      () =>
        planRoster(
          current,
          { removed: [], added: [{ userId: 'bob', deviceId: 'b2', leafIndex: 1 }] },
          devices,
          10,
        ),
      /leaf 1 is taken/,
    );
    refused(
      () =>
        planRoster(
          current,
          {
            removed: [],
            added: [
              { userId: 'bob', deviceId: 'b2', leafIndex: 2 },
              { userId: 'bob', deviceId: 'b2', leafIndex: 4 },
            ],
          },
          devices,
          10,
        ),
      /already a member/,
    );
  });

  it("refuses unknown, inactive and other users' devices", () => {
    for (const [userId, deviceId] of [
      ['bob', 'zz'],
      ['sam', 's1'],
      ['alice', 'b2'],
    ] as const)
      refused(
        () => planRoster(current, { removed: [], added: [{ userId, deviceId, leafIndex: 2 }] }, devices, 10),
        new RegExp(`device ${deviceId} is not an active device of user ${userId}`),
      );
  });

  it('bounds the group size', () => {
    refused(
      () =>
        planRoster(
          current,
          { removed: [], added: [{ userId: 'dave', deviceId: 'd1', leafIndex: 2 }] },
          devices,
          3,
        ),
      /more than 3 members/,
    );
  });
});
