/**
 * One lifecycle for every message, whatever the channel. `sent` means a provider accepted it;
 * final states never change again (late receipts are recorded on the timeline only).
 */
export const MESSAGE_STATUSES = [
  'accepted',
  'sending',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'expired',
  'blocked',
  'escalated',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const FINAL_STATUSES: ReadonlySet<MessageStatus> = new Set([
  'delivered',
  'undelivered',
  'failed',
  'expired',
  'blocked',
]);

export function isFinal(status: string): boolean {
  return FINAL_STATUSES.has(status as MessageStatus);
}
