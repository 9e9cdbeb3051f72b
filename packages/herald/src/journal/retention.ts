import { HeraldError } from '../errors/index.ts';

const DAY = 86_400_000;
const UNIT: Record<string, number> = { h: 3_600_000, d: DAY, w: 7 * DAY, y: 365 * DAY };

/** Retention class name → how long a journal record of that class is kept, in milliseconds. */
export type RetentionClasses = ReadonlyMap<string, number>;

/** The classes Herald's configuration names by default (config.ts), with their durations. */
export const DEFAULT_RETENTION = 'standard=7y,transient=1d,30d,1y,7y';

/** Parses `<n>h|d|w|y` (a year is 365 days). */
export function parseRetentionDuration(text: string): number | undefined {
  const m = /^([1-9][0-9]{0,5})([hdwy])$/.exec(text);
  return m ? Number(m[1]) * UNIT[m[2]!]! : undefined;
}

/**
 * Parses retention configuration: comma-separated `name=duration` entries, or a bare name that
 * is itself a duration (`30d`, `1y`, `7y`). Throws `HERALD_ERR_JOURNAL_INVALID_ARGUMENT`.
 */
export function parseRetentionClasses(text: string = DEFAULT_RETENTION): RetentionClasses {
  const out = new Map<string, number>();
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, value = name] = part.split('=').map((s) => s.trim()) as [string, string?];
    const ms = parseRetentionDuration(value);
    if (!/^[a-z0-9][a-z0-9_-]{0,31}$/.test(name) || ms === undefined) {
      throw new HeraldError('HERALD_ERR_JOURNAL_INVALID_ARGUMENT', {
        detail: `bad retention class "${part}"`,
      });
    }
    out.set(name, ms);
  }
  return out;
}
