import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DeliveryTracker } from './delivery-tracker.ts';

describe('DeliveryTracker', () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, at: (ms: number) => (t = ms) };
  };

  test('measures each message from its submit to its delivery', () => {
    const c = clock();
    const tr = new DeliveryTracker(2, c.now);
    c.at(0);
    tr.submitting(0);
    tr.bind(0, 'a');
    c.at(10);
    tr.submitting(1);
    tr.bind(1, 'b');
    c.at(50);
    tr.finished('b', true);
    c.at(100);
    tr.finished('a', true);
    const s = tr.stats();
    assert.equal(s.delivered, 2);
    assert.equal(s.p50, 40); // b: 10 → 50
    assert.equal(s.p99, 100); // a: 0 → 100
    assert.equal(s.perSecond, 20); // 2 messages in 0.1 s
  });

  test('keeps a receipt that arrives before the submit answered, and counts a repeat once', () => {
    const c = clock();
    const tr = new DeliveryTracker(1, c.now);
    tr.submitting(0);
    c.at(5);
    tr.finished('x', true); // the callback won the race with the 202
    c.at(8);
    tr.bind(0, 'x');
    c.at(30);
    tr.finished('x', true); // at-least-once: delivered again
    const s = tr.stats();
    assert.equal(s.delivered, 1);
    assert.equal(s.p50, 5);
  });

  test('counts refused submits and failure states as failed, and unanswered ones as missing', () => {
    const c = clock();
    const tr = new DeliveryTracker(3, c.now);
    for (let i = 0; i < 3; i++) tr.submitting(i);
    tr.refused(0);
    tr.bind(1, 'f');
    tr.finished('f', false);
    tr.bind(2, 'lost');
    const s = tr.stats();
    assert.deepEqual([s.delivered, s.failed, s.missing], [0, 2, 1]);
  });

  test('settles at once when every message has a final state', async () => {
    const tr = new DeliveryTracker(1);
    tr.submitting(0);
    tr.refused(0);
    const t = Date.now();
    await tr.settled(60_000);
    assert.ok(Date.now() - t < 1000);
  });
});
