import type { ReceiptStatus } from '../channels/channel-adapter.ts';
import type { RouteStep, Trigger } from '../policy/decision.ts';
import type { MessageStatus } from './message-status.ts';

/** Something that happened to the current step of a message's route. */
export type RouteEvent =
  | { readonly kind: 'unsupported' }
  /** The send failed for good (permanent error, or retries exhausted). */
  | { readonly kind: 'failed'; readonly code: string }
  | { readonly kind: 'receipt'; readonly status: ReceiptStatus }
  | { readonly kind: 'timer'; readonly trigger: 'undelivered_after' | 'unread_after' }
  /** The message's own TTL (or the default receipt wait) ran out. */
  | { readonly kind: 'deadline' };

/** What to do about it. */
export type Move =
  | { readonly kind: 'wait'; readonly status?: MessageStatus }
  | { readonly kind: 'finish'; readonly status: MessageStatus; readonly reason: string }
  | { readonly kind: 'fallback'; readonly trigger: Trigger['on']; readonly reason: string };

const has = (step: RouteStep, on: Trigger['on']) => step.fallbackOn.some((t) => t.on === on);

/**
 * The delivery state machine for one step, as a pure function: the route, the step the message
 * is on, its status and an event give the next move. Moving on needs the step to name the
 * trigger *and* a next step to exist; otherwise the message ends with the step's outcome.
 * Every route the policy engine compiled is already safe (no content below the minimum tier),
 * so following it can never downgrade silently.
 */
export function nextMove(
  route: readonly RouteStep[],
  stepIndex: number,
  status: MessageStatus,
  event: RouteEvent,
): Move {
  const step = route[stepIndex];
  if (!step) return { kind: 'finish', status: 'failed', reason: 'the route has no such step' };
  const canFallBack = stepIndex + 1 < route.length;
  const fallbackOr = (on: Trigger['on'], reason: string, otherwise: Move): Move =>
    canFallBack && has(step, on) ? { kind: 'fallback', trigger: on, reason } : otherwise;
  const delivered = status === 'delivered' || status === 'read';

  switch (event.kind) {
    case 'unsupported':
      return fallbackOr('unsupported', `the recipient cannot be reached on ${step.channel}`, {
        kind: 'finish',
        status: 'failed',
        reason: `the recipient cannot be reached on ${step.channel} and the route has no step for it`,
      });
    case 'failed':
      return fallbackOr('failed', `sending on ${step.channel} failed (${event.code})`, {
        kind: 'finish',
        status: 'failed',
        reason: `sending on ${step.channel} failed (${event.code})`,
      });
    case 'receipt':
      switch (event.status) {
        case 'delivered':
          // A route that asks for `unread_after` is done only when read (or when the timer fires).
          return has(step, 'unread_after')
            ? { kind: 'wait', status: 'delivered' }
            : { kind: 'finish', status: 'delivered', reason: `delivered on ${step.channel}` };
        case 'read':
          return { kind: 'finish', status: 'read', reason: `read on ${step.channel}` };
        case 'expired':
          return fallbackOr('expired', `the ${step.channel} provider expired the message`, {
            kind: 'finish',
            status: 'expired',
            reason: `the ${step.channel} provider expired the message`,
          });
        case 'undelivered':
        case 'failed':
        case 'rejected':
          return fallbackOr('failed', `the ${step.channel} provider reported ${event.status}`, {
            kind: 'finish',
            status: event.status === 'undelivered' ? 'undelivered' : 'failed',
            reason: `the ${step.channel} provider reported ${event.status}`,
          });
      }
      return { kind: 'wait' };
    case 'timer':
      // Timers exist only for triggers the step names; anything else is stale.
      if (!has(step, event.trigger)) return { kind: 'wait' };
      if (event.trigger === 'undelivered_after') {
        if (delivered || !canFallBack) return { kind: 'wait' };
        return {
          kind: 'fallback',
          trigger: 'undelivered_after',
          reason: `not delivered on ${step.channel} in time`,
        };
      }
      if (status === 'read') return { kind: 'wait' };
      if (canFallBack)
        return { kind: 'fallback', trigger: 'unread_after', reason: `not read on ${step.channel} in time` };
      return delivered
        ? { kind: 'finish', status: 'delivered', reason: `delivered on ${step.channel}, not read in time` }
        : { kind: 'wait' };
    case 'deadline':
      return delivered
        ? { kind: 'finish', status, reason: 'the message reached its deadline after delivery' }
        : { kind: 'finish', status: 'expired', reason: 'no delivery before the deadline' };
  }
}
