import { HeraldError } from '../errors/index.ts';
import { checkKeys, distribution, integer, isRecord, rate, type Distribution } from './profile-fields.ts';

/**
 * The behaviour block the RBM, SMTP and push simulators share: how fast the provider answers,
 * how often it fails, how receipts and reads follow, throttling and outage windows. A profile
 * sets it per simulator (`rbm.behaviour`) and overrides it per region (`rbm.regions`).
 */

/** A window, counted from the simulator's start, during which the provider is down. */
export interface OutageWindow {
  readonly startMs: number;
  readonly durationMs: number;
  /** Repeat the window every this many ms; absent means once. */
  readonly everyMs?: number;
}

/** One provider's random behaviour, with every default filled in. */
export interface ChannelBehaviour {
  /** Before the provider answers a request. */
  readonly latencyMs: Distribution;
  /** Share of requests answered with a retryable provider fault (HTTP 500/503, SMTP 451). */
  readonly failureRate: number;
  /** Share of accepted messages never delivered (no DELIVERED event; an SMTP bounce). */
  readonly undeliveredRate: number;
  /** From acceptance to the delivery receipt. */
  readonly deliveryDelayMs: Distribution;
  /** Share of delivered messages the recipient reads (RBM `READ`). */
  readonly readRate: number;
  /** From delivery to the read receipt. */
  readonly readDelayMs: Distribution;
  /** Requests per second before the provider throttles; 0 means no limit. */
  readonly throttlePerSecond: number;
  readonly outages: readonly OutageWindow[];
}

/** What a region may override: any behaviour field. */
export type BehaviourOverride = Partial<ChannelBehaviour>;

const BEHAVIOUR_KEYS = [
  'latencyMs',
  'failureRate',
  'undeliveredRate',
  'deliveryDelayMs',
  'readRate',
  'readDelayMs',
  'throttle',
  'outages',
] as const;

/** Sandbox defaults: fast, reliable, delivered within a quarter second, half the messages read. */
export const DEFAULT_BEHAVIOUR: ChannelBehaviour = {
  latencyMs: { kind: 'uniform', min: 0, max: 0 },
  failureRate: 0,
  undeliveredRate: 0,
  deliveryDelayMs: { kind: 'uniform', min: 50, max: 250 },
  readRate: 0.5,
  readDelayMs: { kind: 'uniform', min: 200, max: 2000 },
  throttlePerSecond: 0,
  outages: [],
};

/** Parses a behaviour block; absent fields stay absent (for region overrides). */
export function behaviourOverride(raw: unknown, path: string): BehaviourOverride {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) fail(`${path} must be a mapping`);
  checkKeys(raw, path, BEHAVIOUR_KEYS);
  const out: { -readonly [K in keyof ChannelBehaviour]?: ChannelBehaviour[K] } = {};
  const latency = distribution(raw['latencyMs'], `${path}.latencyMs`);
  if (latency !== undefined) out.latencyMs = latency;
  const failure = rate(raw['failureRate'], `${path}.failureRate`);
  if (failure !== undefined) out.failureRate = failure;
  const undelivered = rate(raw['undeliveredRate'], `${path}.undeliveredRate`);
  if (undelivered !== undefined) out.undeliveredRate = undelivered;
  const delivery = distribution(raw['deliveryDelayMs'], `${path}.deliveryDelayMs`);
  if (delivery !== undefined) out.deliveryDelayMs = delivery;
  const read = rate(raw['readRate'], `${path}.readRate`);
  if (read !== undefined) out.readRate = read;
  const readDelay = distribution(raw['readDelayMs'], `${path}.readDelayMs`);
  if (readDelay !== undefined) out.readDelayMs = readDelay;
  const throttle = raw['throttle'];
  if (throttle !== undefined && throttle !== null) {
    if (!isRecord(throttle)) fail(`${path}.throttle must be a mapping`);
    checkKeys(throttle, `${path}.throttle`, ['maxPerSecond']);
    const perSecond = integer(throttle['maxPerSecond'], `${path}.throttle.maxPerSecond`, 0, 10_000_000);
    if (perSecond !== undefined) out.throttlePerSecond = perSecond;
  }
  if (raw['outages'] !== undefined && raw['outages'] !== null) {
    out.outages = outages(raw['outages'], `${path}.outages`);
  }
  return out;
}

/** A full behaviour: the block over `base`. */
export function behaviour(raw: unknown, path: string, base: ChannelBehaviour): ChannelBehaviour {
  return { ...base, ...behaviourOverride(raw, path) };
}

/** `regions: { key: behaviour }`, each checked by `checkKey` (a number prefix, a domain…). */
export function regions(
  raw: unknown,
  path: string,
  checkKey: (key: string) => string | undefined,
): ReadonlyMap<string, BehaviourOverride> {
  const out = new Map<string, BehaviourOverride>();
  if (raw === undefined || raw === null) return out;
  if (!isRecord(raw)) fail(`${path} must be a mapping from region to behaviour`);
  for (const [key, block] of Object.entries(raw)) {
    const problem = checkKey(key);
    if (problem !== undefined) fail(`${path}["${key}"]: ${problem}`);
    out.set(key.toLowerCase(), behaviourOverride(block, `${path}["${key}"]`));
  }
  return out;
}

function outages(raw: unknown, path: string): OutageWindow[] {
  if (!Array.isArray(raw)) fail(`${path} must be a list of { startMs, durationMs, everyMs? }`);
  return raw.map((item: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isRecord(item)) fail(`${at} must be a mapping`);
    checkKeys(item, at, ['startMs', 'durationMs', 'everyMs']);
    const startMs = integer(item['startMs'], `${at}.startMs`, 0, 31_536_000_000);
    const durationMs = integer(item['durationMs'], `${at}.durationMs`, 1, 31_536_000_000);
    if (startMs === undefined || durationMs === undefined) fail(`${at} needs startMs and durationMs`);
    const everyMs = integer(item['everyMs'], `${at}.everyMs`, durationMs + 1, 31_536_000_000);
    return everyMs === undefined ? { startMs, durationMs } : { startMs, durationMs, everyMs };
  });
}

/** Throws HERALD_ERR_SIMULATOR_BAD_PROFILE; shared by the channel profile parsers. */
export function fail(detail: string): never {
  throw new HeraldError('HERALD_ERR_SIMULATOR_BAD_PROFILE', { detail });
}

/** A string field, or undefined when absent. */
export function text(raw: unknown, path: string, pattern?: RegExp): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string' || (pattern !== undefined && !pattern.test(raw))) {
    fail(`${path} must be a string${pattern === undefined ? '' : ` matching ${String(pattern)}`}`);
  }
  return raw;
}

/** One of `values`, or undefined when absent. */
export function oneOf<T extends string>(raw: unknown, path: string, values: readonly T[]): T | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!(values as readonly unknown[]).includes(raw)) fail(`${path} must be one of ${values.join(', ')}`);
  return raw as T;
}
