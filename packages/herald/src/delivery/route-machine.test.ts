import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RECEIPT_STATUSES } from '../channels/channel-adapter.ts';
import type { RouteStep, Trigger } from '../policy/decision.ts';
import { FINAL_STATUSES, MESSAGE_STATUSES } from './message-status.ts';
import { nextMove, type RouteEvent } from './route-machine.ts';

const step = (
  channel: RouteStep['channel'],
  fallbackOn: Trigger[],
  content: RouteStep['content'] = 'full',
): RouteStep => ({
  channel,
  tier: channel === 'sms' ? 'plaintext' : channel === 'secure' ? 'e2ee' : 'transport',
  content,
  fallbackOn,
  belowMinimumTier: false,
});

const rcsThenSms = [
  step('rcs', [{ on: 'unsupported' }, { on: 'failed' }, { on: 'undelivered_after', ms: 30_000 }]),
  step('sms', [], 'notice'),
];

describe('route machine', () => {
  it('moves on when the recipient lacks the capability and the step says so', () => {
    assert.deepEqual(nextMove(rcsThenSms, 0, 'accepted', { kind: 'unsupported' }).kind, 'fallback');
  });

  it('ends the message when the last step is unsupported', () => {
    const m = nextMove(rcsThenSms, 1, 'accepted', { kind: 'unsupported' });
    assert.equal(m.kind, 'finish');
    assert.equal(m.kind === 'finish' && m.status, 'failed');
  });

  it('does not move on for a trigger the step does not name', () => {
    const route = [step('rcs', [{ on: 'unsupported' }]), step('sms', [], 'notice')];
    const m = nextMove(route, 0, 'sent', { kind: 'receipt', status: 'undelivered' });
    assert.deepEqual(m.kind === 'finish' && m.status, 'undelivered');
  });

  it('falls back when a step is not delivered in time, but not once it was delivered', () => {
    assert.equal(
      nextMove(rcsThenSms, 0, 'sent', { kind: 'timer', trigger: 'undelivered_after' }).kind,
      'fallback',
    );
    assert.equal(
      nextMove(rcsThenSms, 0, 'delivered', { kind: 'timer', trigger: 'undelivered_after' }).kind,
      'wait',
    );
  });

  it('waits for the read receipt when the route asks for one', () => {
    const route = [step('rcs', [{ on: 'unread_after', ms: 600_000 }]), step('sms', [], 'notice')];
    assert.deepEqual(nextMove(route, 0, 'sent', { kind: 'receipt', status: 'delivered' }), {
      kind: 'wait',
      status: 'delivered',
    });
    assert.equal(nextMove(route, 0, 'delivered', { kind: 'receipt', status: 'read' }).kind, 'finish');
    assert.equal(
      nextMove(route, 0, 'delivered', { kind: 'timer', trigger: 'unread_after' }).kind,
      'fallback',
    );
    assert.equal(nextMove(route, 0, 'read', { kind: 'timer', trigger: 'unread_after' }).kind, 'wait');
  });

  it('finishes delivered on a delivery receipt when nothing waits for a read', () => {
    const m = nextMove(rcsThenSms, 0, 'sent', { kind: 'receipt', status: 'delivered' });
    assert.deepEqual(m.kind === 'finish' && m.status, 'delivered');
  });

  it('expires at the deadline unless delivered', () => {
    assert.deepEqual(nextMove(rcsThenSms, 0, 'sent', { kind: 'deadline' }).kind === 'finish', true);
    const m = nextMove(rcsThenSms, 0, 'sent', { kind: 'deadline' });
    assert.equal(m.kind === 'finish' && m.status, 'expired');
  });

  const events: fc.Arbitrary<RouteEvent> = fc.oneof(
    fc.constant<RouteEvent>({ kind: 'unsupported' }),
    fc.constant<RouteEvent>({ kind: 'failed', code: 'X' }),
    fc.constant<RouteEvent>({ kind: 'deadline' }),
    fc.constantFrom(...RECEIPT_STATUSES).map((status): RouteEvent => ({ kind: 'receipt', status })),
    fc
      .constantFrom('undelivered_after' as const, 'unread_after' as const)
      .map((trigger): RouteEvent => ({ kind: 'timer', trigger })),
  );
  const triggers: fc.Arbitrary<Trigger[]> = fc.subarray([
    { on: 'unsupported' },
    { on: 'failed' },
    { on: 'expired' },
    { on: 'undelivered_after', ms: 1000 },
    { on: 'unread_after', ms: 1000 },
  ] as Trigger[]);
  const routes = fc.array(
    fc.record({
      channel: fc.constantFrom('secure', 'rcs', 'email', 'push', 'sms' as const),
      fallbackOn: triggers,
    }),
    { minLength: 1, maxLength: 4 },
  );

  it('only ever falls back to a step that exists, only on a trigger the step names or a timer it set', () => {
    fc.assert(
      fc.property(routes, fc.nat(), fc.constantFrom(...MESSAGE_STATUSES), events, (r, i, status, ev) => {
        const route = r.map((s) => step(s.channel, s.fallbackOn));
        const idx = i % route.length;
        const move = nextMove(route, idx, status, ev);
        if (move.kind === 'fallback') {
          assert.ok(idx + 1 < route.length, 'a next step exists');
          assert.ok(
            route[idx]!.fallbackOn.some((t) => t.on === move.trigger),
            'the step names the trigger',
          );
        }
        if (move.kind === 'finish') assert.ok(FINAL_STATUSES.has(move.status), `${move.status} is final`);
      }),
    );
  });
});
