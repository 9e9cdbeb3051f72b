import type { Distribution } from '../profile-fields.ts';
import type { BehaviourOverride, ChannelBehaviour, OutageWindow } from '../profile-behaviour.ts';
import type { Random } from '../prng.ts';

/**
 * Runtime helpers for the RBM, SMTP and push simulators: drawing delays from a profile's
 * distributions, outage windows, and the behaviour that applies to one recipient.
 */

/** A delay in whole ms drawn from `dist` with `random`. */
export function drawMs(random: Random, dist: Distribution): number {
  if (dist.kind === 'uniform') {
    return dist.max <= dist.min ? dist.min : dist.min + Math.floor(random() * (dist.max - dist.min + 1));
  }
  if (dist.median === 0) return 0;
  // Log-normal: ln(X) ~ N(mu, sigma) with mu = ln(median) and p99 = exp(mu + 2.3263 sigma).
  const mu = Math.log(dist.median);
  const sigma = dist.p99 > dist.median ? (Math.log(dist.p99) - mu) / 2.3263 : 0;
  // Box–Muller; 1 - u keeps the logarithm's argument in (0, 1].
  const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Math.min(dist.max, Math.round(Math.exp(mu + sigma * z)));
}

/** Whether `elapsedMs` after the simulator's start falls in one of the windows. */
export function inOutage(windows: readonly OutageWindow[], elapsedMs: number): boolean {
  for (const w of windows) {
    if (elapsedMs < w.startMs) continue;
    const into = w.everyMs === undefined ? elapsedMs - w.startMs : (elapsedMs - w.startMs) % w.everyMs;
    if (into < w.durationMs) return true;
  }
  return false;
}

/**
 * The behaviour for a recipient: the base, overridden by the region whose key matches best
 * (`match` says how well a key matches, 0 for not at all; the longest number prefix or domain
 * suffix wins).
 */
export function behaviourFor(
  base: ChannelBehaviour,
  regions: ReadonlyMap<string, BehaviourOverride>,
  match: (key: string) => number,
): ChannelBehaviour {
  let best: BehaviourOverride | undefined;
  let bestScore = 0;
  for (const [key, override] of regions) {
    const score = match(key);
    if (score > bestScore) {
      best = override;
      bestScore = score;
    }
  }
  return best === undefined ? base : { ...base, ...best };
}

/** Matches number prefixes: "+44" scores 3 for "+447700900123". */
export function prefixMatch(address: string): (key: string) => number {
  return (key) => (address.startsWith(key) ? key.length : 0);
}

/** Matches domains: "example.org" matches "a@example.org" and "a@mail.example.org". */
export function domainMatch(address: string): (key: string) => number {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  return (key) => (domain === key || domain.endsWith(`.${key}`) ? key.length : 0);
}

/**
 * Timers a simulator owns, so `close()` cancels every pending answer and receipt at once
 * (a pending sleep then never resolves; its request is gone with the connection).
 */
export class SimTimers {
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  /** Resolves after `ms` (at once for 0), unless the timers are cleared first. */
  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => this.after(ms, resolve));
  }

  /** Runs `fn` after `ms`, unless cleared first. */
  after(ms: number, fn: () => void): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }

  /** Timers still waiting. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Cancels everything; later calls schedule nothing. */
  clear(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
