/** Milliseconds per duration unit accepted in policies. */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * The duration syntax of the policy language: one or more `<integer><unit>` parts, largest unit
 * first, e.g. `30s`, `10m`, `1h30m`. Also used as the JSON Schema `pattern`.
 */
export const DURATION_PATTERN = '^(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m(?!s))?(?:[0-9]+s)?(?:[0-9]+ms)?$';
const DURATION_RE = new RegExp(DURATION_PATTERN);
const PART_RE = /([0-9]+)(ms|d|h|m|s)/g;

/** Parses a policy duration into milliseconds; `undefined` when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  if (text === '' || !DURATION_RE.test(text)) return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(PART_RE)) ms += Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return ms > 0 && Number.isSafeInteger(ms) ? ms : undefined;
}

/** Renders milliseconds in the policy syntax, largest units first (`90000` → `1m30s`). */
export function formatDuration(ms: number): string {
  let rest = ms;
  let out = '';
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const n = Math.floor(rest / UNIT_MS[unit]);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * UNIT_MS[unit];
  }
  return out === '' ? '0s' : out;
}
