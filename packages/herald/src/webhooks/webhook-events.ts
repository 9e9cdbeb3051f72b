import { MESSAGE_STATUSES } from '../delivery/message-status.ts';
import { HeraldError } from '../errors/index.ts';

/**
 * Every event type a webhook endpoint can subscribe to: one per message status, and
 * `message.received` for replies. An endpoint registered without a filter gets them all.
 */
export const WEBHOOK_EVENT_TYPES: readonly string[] = [
  ...MESSAGE_STATUSES.map((s) => `message.${s}`),
  'message.received',
];

const KNOWN = new Set(WEBHOOK_EVENT_TYPES);

/**
 * Checks an endpoint's event filter: known types only, each once, at least one. Returns the
 * filter as stored (sorted, so two equal filters read the same), or null for "every event".
 */
export function parseEventFilter(events: readonly string[] | undefined): string[] | null {
  if (events === undefined) return null;
  const unknown = events.filter((e) => !KNOWN.has(e));
  if (events.length === 0 || unknown.length > 0 || new Set(events).size !== events.length) {
    throw new HeraldError('HERALD_ERR_WEBHOOK_INVALID_EVENTS', {
      detail:
        events.length === 0
          ? 'the list is empty (leave it out to receive every event)'
          : unknown.length > 0
            ? `unknown event type ${JSON.stringify(unknown[0]!.slice(0, 64))}`
            : 'an event type is listed twice',
    });
  }
  return [...events].sort();
}

/** Whether an endpoint with this stored filter (null: all) receives events of `type`. */
export function wantsEvent(filter: readonly string[] | null, type: string): boolean {
  return filter === null || filter.includes(type);
}
