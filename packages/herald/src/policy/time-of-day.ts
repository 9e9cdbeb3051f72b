import type { Weekday } from './policy-document.ts';
import { WEEKDAYS } from './policy-document.ts';

/** Local wall-clock time: minutes since local midnight and day of the week (0 = Sunday). */
export interface LocalTime {
  readonly minutes: number;
  readonly weekday: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
// Offsets of every zone in use are multiples of 15 minutes and change on such boundaries, so
// the offset found for one quarter hour holds for all of it.
const BUCKET = 15 * MINUTE;

/** Whether `tz` is an IANA time zone this Node.js knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * A function from an instant to the local time in `tz`. Deterministic for a given time-zone
 * database; the UTC offset is memoised per quarter hour so repeated decisions stay cheap.
 */
export function localClock(tz: string): (ms: number) => LocalTime {
  const upper = tz.toUpperCase();
  if (upper === 'UTC' || upper === 'ETC/UTC' || upper === 'GMT') return (ms) => fromShifted(ms);
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  });
  let cachedBucket = Number.NaN;
  let cachedOffset = 0;
  return (ms) => {
    const bucket = Math.floor(ms / BUCKET);
    if (bucket !== cachedBucket) {
      cachedOffset = offsetAt(fmt, bucket * BUCKET);
      cachedBucket = bucket;
    }
    return fromShifted(ms + cachedOffset);
  };
}

function offsetAt(fmt: Intl.DateTimeFormat, ms: number): number {
  const parts: Record<string, number> = {};
  for (const p of fmt.formatToParts(ms)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(parts['year']!, parts['month']! - 1, parts['day']!, parts['hour']!, parts['minute']!);
  return wall - Math.floor(ms / MINUTE) * MINUTE;
}

function fromShifted(shifted: number): LocalTime {
  const minutes = Math.floor((((shifted % DAY) + DAY) % DAY) / MINUTE);
  // 1970-01-01 was a Thursday (weekday 4).
  const weekday = (((Math.floor(shifted / DAY) + 4) % 7) + 7) % 7;
  return { minutes, weekday };
}

/** `HH:MM-HH:MM` → [start, end) in minutes; `end <= start` wraps past midnight. */
export function parseTimeRange(text: string): readonly [number, number] {
  const [a = '', b = ''] = text.split('-');
  return [toMinutes(a), toMinutes(b)];
}

function toMinutes(hhmm: string): number {
  const [h = '0', m = '0'] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/** Whether a minute of the day falls in a range (which may wrap midnight). */
export function inRange(minutes: number, [start, end]: readonly [number, number]): boolean {
  return start < end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
}

/** `HH:MM` for a minute of the day. */
export function formatMinutes(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Weekday index (0 = Sunday) of a weekday name. */
export function weekdayIndex(day: Weekday): number {
  return WEEKDAYS.indexOf(day);
}
