import { HeraldError } from '../errors/index.ts';

/**
 * Field checkers for simulator profiles. Each takes the raw YAML value and a dotted path, and
 * either returns the value (undefined when absent) or throws HERALD_ERR_SIMULATOR_BAD_PROFILE
 * naming the path, so a typo in a profile is reported where it is.
 */

/** A delay drawn uniformly from [min, max] milliseconds. */
export interface DelayRange {
  readonly min: number;
  readonly max: number;
}

/** Whether the value is a YAML mapping. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Rejects keys outside `known`, so `recieptDelayMs` is an error instead of silently ignored. */
export function checkKeys(record: Record<string, unknown>, path: string, known: readonly string[]): void {
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) {
      const where = path === '' ? key : `${path}.${key}`;
      fail(`unknown field ${where} (known: ${known.join(', ')})`);
    }
  }
}

/** An integer in [min, max]. */
export function integer(raw: unknown, path: string, min: number, max: number): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max) {
    fail(`${path} must be an integer from ${min} to ${max}`);
  }
  return raw;
}

/** A probability in [0, 1]. */
export function rate(raw: unknown, path: string): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'number' || !(raw >= 0 && raw <= 1)) fail(`${path} must be a number from 0 to 1`);
  return raw;
}

/** true or false. */
export function bool(raw: unknown, path: string): boolean | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'boolean') fail(`${path} must be true or false`);
  return raw;
}

const MAX_DELAY_MS = 86_400_000;

/** A fixed delay (`250`) or a uniform range (`{ min: 50, max: 250 }`), in ms. */
export function delayRange(raw: unknown, path: string): DelayRange | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'number') {
    const ms = integer(raw, path, 0, MAX_DELAY_MS)!;
    return { min: ms, max: ms };
  }
  if (!isRecord(raw)) fail(`${path} must be milliseconds or { min, max }`);
  checkKeys(raw, path, ['min', 'max']);
  const min = integer(raw['min'], `${path}.min`, 0, MAX_DELAY_MS);
  const max = integer(raw['max'], `${path}.max`, 0, MAX_DELAY_MS);
  if (min === undefined || max === undefined) fail(`${path} needs both min and max`);
  if (min > max) fail(`${path}.min (${min}) is greater than max (${max})`);
  return { min, max };
}

/**
 * A delay distribution: uniform over [min, max], or log-normal with the given median and 99th
 * percentile (network latencies have a long right tail), capped at `max`.
 */
export type Distribution =
  | { readonly kind: 'uniform'; readonly min: number; readonly max: number }
  | { readonly kind: 'lognormal'; readonly median: number; readonly p99: number; readonly max: number };

/**
 * A fixed delay (`250`), a uniform range (`{ min: 50, max: 250 }`) or a log-normal
 * (`{ median: 80, p99: 900 }`, optionally `max`), in ms.
 */
export function distribution(raw: unknown, path: string): Distribution | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (isRecord(raw) && ('median' in raw || 'p99' in raw)) {
    checkKeys(raw, path, ['median', 'p99', 'max']);
    const median = integer(raw['median'], `${path}.median`, 0, MAX_DELAY_MS);
    const p99 = integer(raw['p99'], `${path}.p99`, 0, MAX_DELAY_MS);
    if (median === undefined || p99 === undefined) fail(`${path} needs both median and p99`);
    if (p99 < median) fail(`${path}.p99 (${p99}) is less than the median (${median})`);
    const max = integer(raw['max'], `${path}.max`, p99, MAX_DELAY_MS) ?? Math.min(MAX_DELAY_MS, p99 * 4);
    return { kind: 'lognormal', median, p99, max };
  }
  const range = delayRange(raw, path)!;
  return { kind: 'uniform', min: range.min, max: range.max };
}

function fail(detail: string): never {
  throw new HeraldError('HERALD_ERR_SIMULATOR_BAD_PROFILE', { detail });
}
