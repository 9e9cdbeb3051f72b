import { HeraldSdkError } from '../errors/sdk-errors.ts';

// Small checks for what the server sends back: a malformed response is a typed error at the
// boundary, not an `undefined` deep inside the MLS code.

const bad = (detail: string) => new HeraldSdkError('HERALD_SDK_BAD_RESPONSE', { detail });

/** `value` as a plain object. */
export function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw bad(`${what} is not an object`);
  return value as Record<string, unknown>;
}

/** `value` as a string of at most `max` characters. */
export function string(value: unknown, what: string, max = 100_000): string {
  if (typeof value !== 'string' || value.length > max) throw bad(`${what} is not a string`);
  return value;
}

/** `value` as a non-negative safe integer. */
export function count(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw bad(`${what} is not a non-negative integer`);
  return value;
}

/** `value` as an array of at most `max` items. */
export function array(value: unknown, what: string, max = 10_000): unknown[] {
  if (!Array.isArray(value) || value.length > max) throw bad(`${what} is not an array`);
  return value;
}
