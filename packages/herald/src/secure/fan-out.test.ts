import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Fanout } from './fan-out.ts';
import type { Queued } from './inbox-store.ts';
import { LocalInboxSignal } from './inbox-signal.ts';

describe('fan-out', () => {
  it("tells each device's streams its newest sequence number once, however many items it got", async () => {
    const signal = new LocalInboxSignal();
    const heard: Array<[string, number]> = [];
    for (const d of ['a', 'b', 'c']) signal.subscribe(d, (seq) => heard.push([d, seq]));
    const woken: Queued[][] = [];
    // A recording stand-in for the waker: pushes need a push adapter, which this test is not about.
    const waker = { wake: (q: readonly Queued[]) => void woken.push([...q]) };
    const fanout = new Fanout(signal, waker, { warn: () => assert.fail('nothing to warn about') });
    // A revocation in three groups queues one proposal per group to each remaining member.
    const queued: Queued[] = [
      { deviceId: 'a', seq: 7 },
      { deviceId: 'b', seq: 3 },
      { deviceId: 'a', seq: 8 },
      { deviceId: 'b', seq: 4 },
      { deviceId: 'a', seq: 9 },
      { deviceId: 'b', seq: 5 },
    ];
    await fanout.delivered(queued);
    assert.deepEqual(heard.sort(), [
      ['a', 9],
      ['b', 5],
    ]);
    assert.deepEqual(woken, [queued], 'the waker sees every item (it de-duplicates devices itself)');
    await fanout.delivered([]);
    assert.equal(heard.length, 2, 'nothing queued, nothing announced');
  });
});
