import type { PosterStats } from '../control/event-poster.ts';

/** What the simulated RBM platform has seen since it started. */
export interface RbmStats {
  /** API requests of every kind. */
  readonly requests: number;
  readonly capabilityChecks: number;
  /** agentMessages.create calls, accepted or not. */
  readonly submitted: number;
  /** Messages accepted (each message id once). */
  readonly accepted: number;
  /** Creates refused with 409 ALREADY_EXISTS: the same message id again (not sent twice). */
  readonly deduplicated: number;
  /** Creates refused with 404: the number is not on RCS (or lost it). */
  readonly notCapable: number;
  readonly throttled: number;
  /** Creates answered 500/503 (random failures, rules, outages). */
  readonly failed: number;
  /** Creates refused for another reason (400, 401, 403). */
  readonly refused: number;
  /** Malformed answers sent on purpose (control API). */
  readonly badResponses: number;
  readonly revoked: number;
  /** Revokes answered 404 because the message was already delivered (or unknown). */
  readonly revokeTooLate: number;
  readonly delivered: number;
  readonly read: number;
  /** Undelivered messages whose expireTime/ttl passed (TTL_EXPIRATION_REVOKED sent). */
  readonly expired: number;
  /** Events not sent because the control API said to drop receipts. */
  readonly eventsDropped: number;
  /** Webhook delivery of events. */
  readonly webhook: PosterStats;
}

/** The mutable counters behind `RbmStats`. */
export class RbmCounters {
  requests = 0;
  capabilityChecks = 0;
  submitted = 0;
  accepted = 0;
  deduplicated = 0;
  notCapable = 0;
  throttled = 0;
  failed = 0;
  refused = 0;
  badResponses = 0;
  revoked = 0;
  revokeTooLate = 0;
  delivered = 0;
  read = 0;
  expired = 0;
  eventsDropped = 0;

  /** A copy that later traffic does not change. */
  snapshot(webhook: PosterStats): RbmStats {
    return { ...this, webhook };
  }
}
