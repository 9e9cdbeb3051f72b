import { canonicalJson } from './canonical-json.ts';
import { classificationSet } from './condition-leaves.ts';
import { CLASSIFICATIONS, type Classification } from './decision.ts';
import { many, type ConditionDoc } from './policy-document.ts';

/*
 * Static analysis of conditions, used at load time only: which classifications a rule can ever
 * see (so the tier check covers exactly those), and whether an earlier rule already catches
 * everything a later one would (the later one is unreachable).
 */

const F = 0;
const U = 1;
const T = 2;
type Tri = typeof F | typeof U | typeof T;

/**
 * The classifications for which a condition can hold. Sound: evaluates the condition in
 * three-valued logic with the classification fixed and every other fact unknown, so a
 * classification is left out only when the condition is false for it whatever the other facts.
 */
export function possibleClassifications(doc: ConditionDoc | undefined): readonly Classification[] {
  return CLASSIFICATIONS.filter((c) => doc === undefined || evalTri(doc, c) !== F);
}

/** Whether a condition looks at the time of day anywhere (then `decide` needs `now`). */
export function usesTime(doc: ConditionDoc | undefined): boolean {
  if (doc === undefined) return false;
  return (
    doc.time !== undefined ||
    (doc.all ?? []).some(usesTime) ||
    (doc.any ?? []).some(usesTime) ||
    usesTime(doc.not)
  );
}

/**
 * Whether a condition holds for every message of classification `c`, whatever the other facts:
 * a rule with such a condition decides all `c` messages that reach it, so later rules never see `c`.
 */
export function alwaysHolds(doc: ConditionDoc | undefined, c: Classification): boolean {
  return doc === undefined || evalTri(doc, c) === T;
}

function evalTri(doc: ConditionDoc, c: Classification): Tri {
  let acc: Tri = T;
  for (const [key, value] of Object.entries(doc) as [keyof ConditionDoc, unknown][]) {
    let v: Tri;
    if (key === 'classification') v = classificationSet(doc.classification!).includes(c) ? T : F;
    else if (key === 'all') v = doc.all!.reduce<Tri>((a, d) => and(a, evalTri(d, c)), T);
    else if (key === 'any') v = doc.any!.reduce<Tri>((a, d) => or(a, evalTri(d, c)), F);
    else if (key === 'not') v = (2 - evalTri(doc.not!, c)) as Tri;
    else v = value === undefined ? T : U;
    acc = and(acc, v);
  }
  return acc;
}

function and(a: Tri, b: Tri): Tri {
  return Math.min(a, b) as Tri;
}

function or(a: Tri, b: Tri): Tri {
  return Math.max(a, b) as Tri;
}

/** One conjunct of a condition, in a form where implication is easy to check. */
interface Atom {
  readonly key: string;
  /** The value must be one of these. */
  readonly values?: ReadonlySet<string>;
  /** The value must be present (any value). */
  readonly present?: true;
  /** Any other constraint, compared by its canonical form. */
  readonly exact?: string;
}

/** The conjuncts of a condition: top-level keys and nested `all`, flattened. */
export function atomsOf(doc: ConditionDoc | undefined): Atom[] {
  const out: Atom[] = [];
  if (doc === undefined) return out;
  const set = (xs: readonly string[]): ReadonlySet<string> => new Set(xs);
  if (doc.classification !== undefined) {
    const cs = classificationSet(doc.classification);
    // A classification test that admits every classification constrains nothing.
    if (cs.length < CLASSIFICATIONS.length) out.push({ key: 'classification', values: set(cs) });
  }
  if (doc.retention !== undefined) out.push({ key: 'retention', values: set(many(doc.retention)) });
  for (const [k, v] of Object.entries(doc.labels ?? {})) {
    if (v === true) out.push({ key: `label:${k}`, present: true });
    else if (v === false) out.push({ key: `label:${k}`, exact: 'absent' });
    else out.push({ key: `label:${k}`, values: set(many(v)) });
  }
  for (const [k, v] of Object.entries(doc.sender ?? {})) {
    if (v !== undefined) out.push({ key: `sender.${k}`, values: set(many(v)) });
  }
  const r = doc.recipient ?? {};
  if (r.kind !== undefined) out.push({ key: 'recipient.kind', values: set(many(r.kind)) });
  if (r.country !== undefined) out.push({ key: 'recipient.country', values: set(many(r.country)) });
  for (const ch of r.capable === undefined ? [] : many(r.capable))
    out.push({ key: `capable:${ch}`, exact: 'yes' });
  for (const ch of r.incapable === undefined ? [] : many(r.incapable))
    out.push({ key: `capable:${ch}`, exact: 'no' });
  for (const ch of r.consent === undefined ? [] : many(r.consent))
    out.push({ key: `consent:${ch}`, exact: 'yes' });
  for (const k of ['managed_device', 'compliant_device', 'quiet_hours'] as const) {
    if (r[k] !== undefined) out.push({ key: k, exact: String(r[k]) });
  }
  if (doc.time !== undefined) out.push({ key: 'time', exact: canonicalJson(doc.time) });
  for (const d of doc.all ?? []) out.push(...atomsOf(d));
  if (doc.any !== undefined) out.push({ key: 'any', exact: canonicalJson(doc.any) });
  if (doc.not !== undefined) out.push({ key: 'not', exact: canonicalJson(doc.not) });
  return out;
}

function implies(a: Atom, b: Atom): boolean {
  if (a.key !== b.key) return false;
  if (b.values !== undefined) return a.values !== undefined && [...a.values].every((v) => b.values!.has(v));
  if (b.present === true) return a.present === true || a.values !== undefined;
  return a.exact !== undefined && a.exact === b.exact;
}

/**
 * Whether every message that satisfies `later` also satisfies `earlier`, so a rule with
 * `later` placed after a rule with `earlier` can never be reached. Sound but incomplete: it
 * finds rules with no conditions, identical conditions, and conditions that are a strict
 * narrowing of an earlier rule's (`classification: restricted` after `classification:
 * [confidential, restricted]`).
 */
export function covers(earlier: ConditionDoc | undefined, later: ConditionDoc | undefined): boolean {
  const need = atomsOf(earlier);
  if (need.length === 0) return true;
  const have = atomsOf(later);
  // What the later rule can see of classifications is a constraint too, even when it is
  // expressed through `not` or `any`.
  const possible = possibleClassifications(later);
  if (possible.length < CLASSIFICATIONS.length)
    have.push({ key: 'classification', values: new Set(possible) });
  return need.every((b) => have.some((a) => implies(a, b)));
}

/**
 * A necessary condition of a rule: the rule can only match when the message attribute `attr`
 * has one of `values`. Used to index rules so `decide` skips those that cannot match.
 */
export interface Guard {
  readonly attr: string;
  readonly values: readonly string[];
}

/** Attributes that can index rules, most selective first. */
export const GUARD_ATTRS = [
  'sender.app',
  'sender.api_key',
  'label:',
  'sender.tenant',
  'retention',
  'recipient.country',
  'recipient.kind',
] as const;

function guardRank(key: string): number {
  const i = GUARD_ATTRS.findIndex((a) => (a.endsWith(':') ? key.startsWith(a) : key === a));
  return i < 0 ? Number.POSITIVE_INFINITY : i;
}

/**
 * The guards of a condition, any one of which must hold for it to hold: one guard from its
 * conjuncts when it has an indexable one, else one per branch of an `any` whose branches all
 * have one. `undefined` when the condition has no such necessary condition.
 */
export function guardsOf(doc: ConditionDoc | undefined): Guard[] | undefined {
  if (doc === undefined) return undefined;
  let best: Atom | undefined;
  for (const a of atomsOf(doc)) {
    if (a.values === undefined || !Number.isFinite(guardRank(a.key))) continue;
    if (
      best === undefined ||
      guardRank(a.key) < guardRank(best.key) ||
      (guardRank(a.key) === guardRank(best.key) && a.values.size < best.values!.size)
    ) {
      best = a;
    }
  }
  if (best !== undefined) return [{ attr: best.key, values: [...best.values!] }];
  for (const branches of anyOf(doc)) {
    const per = branches.map(guardsOf);
    if (per.every((g) => g !== undefined)) return per.flatMap((g) => g!);
  }
  return undefined;
}

/** Every `any` list among a condition's conjuncts (top level and nested `all`). */
function anyOf(doc: ConditionDoc): (readonly ConditionDoc[])[] {
  return [...(doc.any === undefined ? [] : [doc.any]), ...(doc.all ?? []).flatMap(anyOf)];
}
