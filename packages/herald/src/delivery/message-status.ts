/**
 * One lifecycle for every message, whatever the channel (DESIGN "Lessons from the peers").
 * `sent` means a provider accepted the current step; `fell_back` that a step's trigger fired
 * and the next step is queued. Whether a message is finished is recorded separately
 * (`finished_at`): a message `delivered` on a step that waits to be read is not finished yet.
 */
export const MESSAGE_STATUSES = [
  'accepted',
  'sending',
  'sent',
  'fell_back',
  'delivered',
  'read',
  'undelivered',
  'failed',
  'expired',
  'blocked',
  'escalated',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** Statuses a finished message can end in. */
export const FINAL_STATUSES: ReadonlySet<MessageStatus> = new Set([
  'delivered',
  'read',
  'undelivered',
  'failed',
  'expired',
  'blocked',
]);
