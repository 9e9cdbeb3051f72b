/**
 * Bounds on everything the Delivery Service stores or sends, so no device can make it grow
 * without limit. Every value is configurable; the defaults suit a messaging deployment.
 */
export interface SecureLimits {
  /** Largest MLS message (commit, proposal, Welcome, GroupInfo, application), in bytes. */
  readonly maxMessageBytes: number;
  /** Items one inbox fetch returns at most. */
  readonly maxFetchItems: number;
  /** Items one device's inbox holds at most; beyond it senders get HERALD_ERR_SECURE_QUEUE_FULL. */
  readonly maxQueueLength: number;
  /** How long an undelivered item waits before the expiry job deletes it. */
  readonly queueTtlMs: number;
  /** Leaves one group's roster holds at most. */
  readonly maxMembers: number;
  /** Roster changes (adds plus removes) one commit reports at most. */
  readonly maxRosterChanges: number;
  /** Open streams per device. */
  readonly maxStreamsPerDevice: number;
  /** At most one wake-up push per device per this interval. */
  readonly pushIntervalMs: number;
  /** An open stream's presence lease: other processes push again once it lapses. */
  readonly streamLeaseMs: number;
}

export const DEFAULT_SECURE_LIMITS: SecureLimits = {
  maxMessageBytes: 256 * 1024,
  maxFetchItems: 500,
  maxQueueLength: 10_000,
  queueTtlMs: 7 * 24 * 3600 * 1000,
  maxMembers: 1000,
  maxRosterChanges: 100,
  maxStreamsPerDevice: 4,
  pushIntervalMs: 30_000,
  streamLeaseMs: 60_000,
};

/** Characters of standard base64 for `bytes` bytes (padded). */
export function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}
