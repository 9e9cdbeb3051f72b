import type { Channel } from '../channels/channel-adapter.ts';
import { recipientCountry } from './country.ts';
import { CLASSIFICATIONS, type Classification, type MessageFacts, type RecipientContext } from './decision.ts';
import { many, type ConditionDoc, type OneOrMany } from './policy-document.ts';
import {
  formatMinutes,
  inRange,
  isTimeZone,
  localClock,
  parseTimeRange,
  weekdayIndex,
} from './time-of-day.ts';
import { WEEKDAYS } from './policy-document.ts';

/** A compiled condition: decide-time test, no allocation. */
export type Predicate = (m: MessageFacts, r: RecipientContext, nowMs: number) => boolean;

/** Whether a condition held and why, in words (used for traces, never on the hot path). */
export interface Verdict {
  readonly ok: boolean;
  readonly why: string;
}
export type Explainer = (m: MessageFacts, r: RecipientContext, nowMs: number) => Verdict;

/** A condition compiled twice from the same tree: a fast test and an explainer that agree. */
export interface CompiledCondition {
  readonly test: Predicate;
  readonly explain: Explainer;
  /** The condition in words, independent of any message (`classification is restricted`). */
  readonly text: string;
}

/** Reports a compile-time problem in a condition (an unknown time zone). */
export type ConditionProblem = (path: string, message: string) => void;

const ALWAYS: CompiledCondition = {
  test: () => true,
  explain: () => ({ ok: true, why: 'the rule has no conditions' }),
  text: 'always',
};

/** Order in which the keys of one condition are tested: cheap and selective first. */
const KEY_ORDER = ['classification', 'sender', 'labels', 'retention', 'recipient', 'time', 'all', 'any', 'not'] as const;

/** Compiles a `when` condition. `path` is its JSON Pointer, for problems. */
export function compileCondition(
  doc: ConditionDoc | undefined,
  path: string,
  problem: ConditionProblem,
  known?: Classification,
): CompiledCondition {
  if (doc === undefined) return ALWAYS;
  const parts: CompiledCondition[] = [];
  for (const key of KEY_ORDER) {
    const v = doc[key];
    if (v === undefined) continue;
    const at = `${path}/${key}`;
    switch (key) {
      case 'classification':
        parts.push(
          known === undefined
            ? classificationLeaf(doc.classification!)
            : constant(classificationSet(doc.classification!).includes(known), `classification is ${known}`),
        );
        break;
      case 'sender': {
        const s = doc.sender!;
        if (s.tenant !== undefined) parts.push(stringLeaf('sender tenant', s.tenant, (m) => m.tenantId));
        if (s.api_key !== undefined) parts.push(stringLeaf('sender API key', s.api_key, (m) => m.apiKeyId));
        if (s.app !== undefined) parts.push(stringLeaf('sender app', s.app, (m) => m.app));
        break;
      }
      case 'labels':
        for (const [k, want] of Object.entries(doc.labels!)) parts.push(labelLeaf(k, want));
        break;
      case 'retention':
        parts.push(stringLeaf('retention', doc.retention!, (m) => m.retention));
        break;
      case 'recipient':
        parts.push(...recipientLeaves(doc.recipient!));
        break;
      case 'time':
        parts.push(timeLeaf(doc.time!, at, problem));
        break;
      case 'all':
        parts.push(allOf(doc.all!.map((c, i) => compileCondition(c, `${at}/${i}`, problem, known))));
        break;
      case 'any':
        parts.push(anyOf(doc.any!.map((c, i) => compileCondition(c, `${at}/${i}`, problem, known))));
        break;
      case 'not':
        parts.push(notOf(compileCondition(doc.not!, at, problem, known)));
        break;
    }
  }
  return parts.length === 0 ? ALWAYS : allOf(parts);
}

/**
 * Compiles a condition for messages of one known classification: classification tests become
 * constants and fold away, so the per-classification decision plans test less. Only the fast
 * test is specialised; explanations use the general form, which gives the same verdicts.
 */
export function specialisedTest(doc: ConditionDoc | undefined, known: Classification): Predicate {
  return compileCondition(doc, '', () => undefined, known).test;
}

// ---------------------------------------------------------------- constants

const TRUE_TEST: Predicate = () => true;
const FALSE_TEST: Predicate = () => false;

function constant(value: boolean, why: string): CompiledCondition {
  return { test: value ? TRUE_TEST : FALSE_TEST, explain: () => ({ ok: value, why }), text: why };
}

function isConstant(c: CompiledCondition, value: boolean): boolean {
  return c.test === (value ? TRUE_TEST : FALSE_TEST);
}

// ---------------------------------------------------------------- combinators

function allOf(all: readonly CompiledCondition[]): CompiledCondition {
  const falsy = all.find((p) => isConstant(p, false));
  if (falsy !== undefined) return falsy;
  const parts = all.filter((p) => !isConstant(p, true));
  if (parts.length === 0) return all[0] ?? ALWAYS;
  if (parts.length === 1) return parts[0]!;
  const tests = parts.map((p) => p.test);
  const text = parts.map((p) => wrap(p.text, parts.length)).join(' and ');
  const explain: Explainer = (m, r, t) => {
    const whys: string[] = [];
    for (const p of parts) {
      const v = p.explain(m, r, t);
      if (!v.ok) return v;
      whys.push(v.why);
    }
    return { ok: true, why: whys.join(' and ') };
  };
  // Specialised for the common short conjunctions so V8 sees straight-line code.
  const [a, b, c] = tests as [Predicate, Predicate, Predicate];
  if (tests.length === 2) return { test: (m, r, t) => a(m, r, t) && b(m, r, t), explain, text };
  if (tests.length === 3) return { test: (m, r, t) => a(m, r, t) && b(m, r, t) && c(m, r, t), explain, text };
  return {
    test: (m, r, t) => {
      for (let i = 0; i < tests.length; i++) if (!tests[i]!(m, r, t)) return false;
      return true;
    },
    explain,
    text,
  };
}

function anyOf(all: readonly CompiledCondition[]): CompiledCondition {
  const truthy = all.find((p) => isConstant(p, true));
  if (truthy !== undefined) return truthy;
  const parts = all.filter((p) => !isConstant(p, false));
  if (parts.length === 0) return all[0]!;
  if (parts.length === 1) return parts[0]!;
  const tests = parts.map((p) => p.test);
  const text = parts.length === 1 ? parts[0]!.text : `(${parts.map((p) => wrap(p.text, 2)).join(' or ')})`;
  return {
    test: (m, r, t) => {
      for (let i = 0; i < tests.length; i++) if (tests[i]!(m, r, t)) return true;
      return false;
    },
    explain: (m, r, t) => {
      const whys: string[] = [];
      for (const p of parts) {
        const v = p.explain(m, r, t);
        if (v.ok) return v;
        whys.push(v.why);
      }
      return { ok: false, why: `none of the alternatives holds: ${whys.join('; ')}` };
    },
    text,
  };
}

function notOf(inner: CompiledCondition): CompiledCondition {
  if (isConstant(inner, true)) return constant(false, `not (${inner.text})`);
  if (isConstant(inner, false)) return constant(true, `not (${inner.text})`);
  const t = inner.test;
  return {
    test: (m, r, n) => !t(m, r, n),
    explain: (m, r, n) => {
      const v = inner.explain(m, r, n);
      return v.ok ? { ok: false, why: `${v.why}, which the rule excludes (not)` } : { ok: true, why: v.why };
    },
    text: `not (${inner.text})`,
  };
}

function wrap(text: string, siblings: number): string {
  return siblings > 1 && / or /.test(text) && !text.startsWith('(') ? `(${text})` : text;
}

// ---------------------------------------------------------------- leaves

const CLASS_BIT: Readonly<Record<string, number>> = { public: 1, internal: 2, confidential: 4, restricted: 8 };

/** The classifications a `classification` condition accepts. */
export function classificationSet(
  v: NonNullable<ConditionDoc['classification']>,
): readonly Classification[] {
  if (typeof v === 'object' && !Array.isArray(v)) {
    const o = v as { in?: OneOrMany<Classification>; at_least?: Classification; at_most?: Classification };
    if (o.in !== undefined) return many(o.in);
    if (o.at_least !== undefined) return CLASSIFICATIONS.slice(CLASSIFICATIONS.indexOf(o.at_least));
    if (o.at_most !== undefined) return CLASSIFICATIONS.slice(0, CLASSIFICATIONS.indexOf(o.at_most) + 1);
  }
  return many(v as OneOrMany<Classification>);
}

function classificationLeaf(v: NonNullable<ConditionDoc['classification']>): CompiledCondition {
  const set = classificationSet(v);
  const text = set.length === 1 ? `classification is ${set[0]}` : `classification is one of ${set.join(', ')}`;
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

function stringLeaf(
  what: string,
  want: OneOrMany<string>,
  get: (m: MessageFacts) => string | undefined,
): CompiledCondition {
  const values = many(want);
  const text = `${what} is ${orList(values.map(quote))}`;
  const explain: Explainer = (m) => {
    const got = get(m);
    if (got !== undefined && values.includes(got)) return { ok: true, why: `${what} is ${quote(got)}` };
    return { ok: false, why: `${what} is ${got === undefined ? 'unset' : quote(got)}, not ${orList(values.map(quote))}` };
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

function labelLeaf(key: string, want: OneOrMany<string> | boolean): CompiledCondition {
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
        return { ok, why: got === undefined ? `label ${key} is absent` : `label ${key} is present (${quote(got)})` };
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

function recipientLeaves(doc: NonNullable<ConditionDoc['recipient']>): CompiledCondition[] {
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
  for (const ch of doc.incapable === undefined ? [] : many(doc.incapable)) out.push(capabilityLeaf(ch, false));
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
      const state = got === undefined ? 'unknown' : got ? 'reachable' : 'not reachable';
      return { ok: got === want, why: `recipient is ${state} on ${ch}` };
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

function timeLeaf(
  doc: NonNullable<ConditionDoc['time']>,
  path: string,
  problem: ConditionProblem,
): CompiledCondition {
  const tz = doc.tz ?? 'UTC';
  if (!isTimeZone(tz)) {
    problem(`${path}/tz`, `unknown time zone ${quote(tz)} (expected an IANA zone such as Europe/Berlin)`);
    return ALWAYS;
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
      return { ok, why: ok ? `local time ${at} matches: ${text}` : `local time ${at} does not match: ${text}` };
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
