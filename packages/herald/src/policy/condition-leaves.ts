import type { Channel } from './decision.ts';
import type { CompiledCondition, ConditionProblem, Explainer } from './condition.ts';
import { recipientCountry } from './country.ts';
import {
  CLASSIFICATIONS,
  type Classification,
  type MessageFacts,
  type RecipientContext,
} from './decision.ts';
import { many, WEEKDAYS, type ConditionDoc, type OneOrMany } from './policy-document.ts';
import {
  formatMinutes,
  inRange,
  isTimeZone,
  localClock,
  parseTimeRange,
  weekdayIndex,
} from './time-of-day.ts';

/*
 * The leaf conditions of the policy language: each compiles to a test that allocates nothing
 * and an explainer that says, in words, why the test passed or failed for one message.
 */

const CLASS_BIT: Readonly<Record<string, number>> = {
  public: 1,
  internal: 2,
  confidential: 4,
  restricted: 8,
};

/** The classifications a `classification` condition accepts. */
export function classificationSet(v: NonNullable<ConditionDoc['classification']>): readonly Classification[] {
  if (typeof v === 'object' && !Array.isArray(v)) {
    const o = v as { in?: OneOrMany<Classification>; at_least?: Classification; at_most?: Classification };
    if (o.in !== undefined) return many(o.in);
    if (o.at_least !== undefined) return CLASSIFICATIONS.slice(CLASSIFICATIONS.indexOf(o.at_least));
    if (o.at_most !== undefined) return CLASSIFICATIONS.slice(0, CLASSIFICATIONS.indexOf(o.at_most) + 1);
  }
  return many(v as OneOrMany<Classification>);
}

export function classificationLeaf(v: NonNullable<ConditionDoc['classification']>): CompiledCondition {
  const set = classificationSet(v);
  const text =
    set.length === 1 ? `classification is ${set[0]}` : `classification is one of ${set.join(', ')}`;
  const explain: Explainer = (m) =>
    set.includes(m.classification)
      ? { ok: true, why: `classification is ${m.classification}` }
      : { ok: false, why: `classification is ${m.classification}, not ${orList(set)}` };
  if (set.length === 1) {
    const only = set[0]!;
    return { test: (m) => m.classification === only, explain, text };
  }
  let mask = 0;
  for (const c of set) mask |= CLASS_BIT[c]!;
  return { test: (m) => ((CLASS_BIT[m.classification] ?? 0) & mask) !== 0, explain, text };
}

export function stringLeaf(
  what: string,
  want: OneOrMany<string>,
  get: (m: MessageFacts) => string | undefined,
): CompiledCondition {
  const values = many(want);
  const text = `${what} is ${orList(values.map(quote))}`;
  const explain: Explainer = (m) => {
    const got = get(m);
    if (got !== undefined && values.includes(got)) return { ok: true, why: `${what} is ${quote(got)}` };
    return {
      ok: false,
      why: `${what} is ${got === undefined ? 'unset' : quote(got)}, not ${orList(values.map(quote))}`,
    };
  };
  if (values.length === 1) {
    const only = values[0]!;
    return { test: (m) => get(m) === only, explain, text };
  }
  const set = new Set(values);
  return {
    test: (m) => {
      const got = get(m);
      return got !== undefined && set.has(got);
    },
    explain,
    text,
  };
}

export function labelLeaf(key: string, want: OneOrMany<string> | boolean): CompiledCondition {
  // Labels come from JSON: only string values count, so an inherited `constructor` is "absent".
  const read = (m: MessageFacts): string | undefined => {
    const v: unknown = m.labels[key];
    return typeof v === 'string' ? v : undefined;
  };
  if (typeof want === 'boolean') {
    const text = `label ${key} is ${want ? 'present' : 'absent'}`;
    return {
      test: (m) => (read(m) !== undefined) === want,
      explain: (m) => {
        const got = read(m);
        const ok = (got !== undefined) === want;
        return {
          ok,
          why: got === undefined ? `label ${key} is absent` : `label ${key} is present (${quote(got)})`,
        };
      },
      text,
    };
  }
  const values = many(want);
  const set = new Set(values);
  const only = values.length === 1 ? values[0] : undefined;
  return {
    test:
      only !== undefined
        ? (m) => m.labels[key] === only
        : (m) => {
            const got = read(m);
            return got !== undefined && set.has(got);
          },
    explain: (m) => {
      const got = read(m);
      if (got !== undefined && set.has(got)) return { ok: true, why: `label ${key} is ${quote(got)}` };
      return {
        ok: false,
        why: `label ${key} is ${got === undefined ? 'absent' : quote(got)}, not ${orList(values.map(quote))}`,
      };
    },
    text: `label ${key} is ${orList(values.map(quote))}`,
  };
}

export function recipientLeaves(doc: NonNullable<ConditionDoc['recipient']>): CompiledCondition[] {
  const out: CompiledCondition[] = [];
  if (doc.kind !== undefined) out.push(stringLeaf('recipient kind', doc.kind, (m) => m.recipient.kind));
  if (doc.country !== undefined) {
    const values = many(doc.country);
    const set = new Set(values);
    out.push({
      test: (m, r) => {
        const c = recipientCountry(m, r.country);
        return c !== undefined && set.has(c);
      },
      explain: (m, r) => {
        const c = recipientCountry(m, r.country);
        return c !== undefined && set.has(c)
          ? { ok: true, why: `recipient country is ${c}` }
          : { ok: false, why: `recipient country is ${c ?? 'unknown'}, not ${orList(values)}` };
      },
      text: `recipient country is ${orList(values)}`,
    });
  }
  for (const ch of doc.capable === undefined ? [] : many(doc.capable)) out.push(capabilityLeaf(ch, true));
  for (const ch of doc.incapable === undefined ? [] : many(doc.incapable))
    out.push(capabilityLeaf(ch, false));
  for (const ch of doc.consent === undefined ? [] : many(doc.consent)) {
    out.push({
      test: (_m, r) => r.consent !== undefined && r.consent.includes(ch),
      explain: (_m, r) =>
        r.consent?.includes(ch) === true
          ? { ok: true, why: `recipient consented to ${ch}` }
          : { ok: false, why: `recipient has not consented to ${ch}` },
      text: `recipient consented to ${ch}`,
    });
  }
  if (doc.managed_device !== undefined) {
    out.push(flagLeaf('recipient device is managed', doc.managed_device, (r) => r.managedDevice));
  }
  if (doc.compliant_device !== undefined) {
    out.push(flagLeaf('recipient device is compliant', doc.compliant_device, (r) => r.compliantDevice));
  }
  if (doc.quiet_hours !== undefined) {
    out.push(flagLeaf('recipient is in quiet hours', doc.quiet_hours, (r) => r.quietHours));
  }
  return out;
}

function capabilityLeaf(ch: Channel, want: boolean): CompiledCondition {
  const text = want ? `recipient is reachable on ${ch}` : `recipient is known not to be reachable on ${ch}`;
  return {
    test: (_m, r) => r.capabilities[ch] === want,
    explain: (_m, r) => {
      const got = r.capabilities[ch];
      const why =
        got === undefined
          ? `whether the recipient is reachable on ${ch} is unknown`
          : `recipient is ${got ? '' : 'not '}reachable on ${ch}`;
      return { ok: got === want, why };
    },
    text,
  };
}

/** A yes/no fact about the recipient; an unknown fact matches neither `true` nor `false`. */
function flagLeaf(
  what: string,
  want: boolean,
  get: (r: RecipientContext) => boolean | undefined,
): CompiledCondition {
  return {
    test: (_m, r) => get(r) === want,
    explain: (_m, r) => {
      const got = get(r);
      return { ok: got === want, why: `${what}: ${got === undefined ? 'unknown' : got ? 'yes' : 'no'}` };
    },
    text: `${what}: ${want ? 'yes' : 'no'}`,
  };
}

export function timeLeaf(
  doc: NonNullable<ConditionDoc['time']>,
  path: string,
  problem: ConditionProblem,
): CompiledCondition {
  const tz = doc.tz ?? 'UTC';
  if (!isTimeZone(tz)) {
    problem(`${path}/tz`, `unknown time zone ${quote(tz)} (expected an IANA zone such as Europe/Berlin)`);
    // The policy will not load; any leaf will do meanwhile.
    return { test: () => false, explain: () => ({ ok: false, why: 'unknown time zone' }), text: 'never' };
  }
  const clock = localClock(tz);
  const ranges = doc.between === undefined ? [] : many(doc.between).map(parseTimeRange);
  const days = doc.days === undefined ? undefined : doc.days.map(weekdayIndex);
  const rangeText = ranges.map(([a, b]) => `${formatMinutes(a)}-${formatMinutes(b)}`).join(' or ');
  const text = [
    ranges.length > 0 ? `time is within ${rangeText}` : '',
    doc.days === undefined ? '' : `day is ${doc.days.join(', ')}`,
  ]
    .filter((s) => s !== '')
    .join(' and ')
    .concat(` (${tz})`);
  const holds = (nowMs: number): boolean => {
    const local = clock(nowMs);
    if (days !== undefined && !days.includes(local.weekday)) return false;
    if (ranges.length === 0) return true;
    for (const range of ranges) if (inRange(local.minutes, range)) return true;
    return false;
  };
  return {
    test: (_m, _r, nowMs) => holds(nowMs),
    explain: (_m, _r, nowMs) => {
      const local = clock(nowMs);
      const ok = holds(nowMs);
      const at = `${WEEKDAYS[local.weekday]} ${formatMinutes(local.minutes)} ${tz}`;
      return {
        ok,
        why: ok ? `local time ${at} matches: ${text}` : `local time ${at} does not match: ${text}`,
      };
    },
    text,
  };
}

// ---------------------------------------------------------------- words

function quote(s: string): string {
  return JSON.stringify(s);
}

function orList(values: readonly string[]): string {
  if (values.length <= 1) return values[0] ?? 'nothing';
  return `one of ${values.join(', ')}`;
}
