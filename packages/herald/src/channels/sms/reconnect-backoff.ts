/** How the adapter spaces reconnection attempts after the link drops. */
export interface ReconnectBackoff {
  /** Delay before the first retry, in ms. */
  readonly initialMs: number;
  /** Upper bound for one delay, in ms. */
  readonly maxMs: number;
  /** Growth factor per failed attempt. */
  readonly factor: number;
  /**
   * Share of each delay that is randomised, 0–1: the delay is drawn from
   * `[base × (1 − jitter), base]`. 1 is "full jitter"; it spreads many gateways reconnecting to
   * one SMSC after an outage, instead of all of them arriving in the same millisecond.
   */
  readonly jitter: number;
}

/** Defaults: 250 ms, doubling, capped at 30 s, half of each delay random. */
export const DEFAULT_RECONNECT_BACKOFF: ReconnectBackoff = {
  initialMs: 250,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.5,
};

/** The delay before reconnection attempt `attempt` (0 for the first retry). */
export function reconnectDelay(
  attempt: number,
  backoff: ReconnectBackoff,
  random: () => number = Math.random,
): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** Math.max(0, attempt));
  const jitter = Math.min(1, Math.max(0, backoff.jitter));
  return Math.max(0, Math.round(base * (1 - jitter * random())));
}
