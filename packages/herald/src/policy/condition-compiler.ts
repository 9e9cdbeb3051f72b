import type { CompiledCondition, ConditionProblem, Explainer, Predicate } from './condition.ts';
import type { Classification } from './decision.ts';
import {
  classificationLeaf,
  classificationSet,
  labelLeaf,
  recipientLeaves,
  stringLeaf,
  timeLeaf,
} from './condition-leaves.ts';
import type { ConditionDoc } from './policy-document.ts';

const ALWAYS: CompiledCondition = {
  test: () => true,
  explain: () => ({ ok: true, why: 'the rule has no conditions' }),
  text: 'always',
};

/** Order in which the keys of one condition are tested: cheap and selective first. */
const KEY_ORDER = [
  'classification',
  'sender',
  'labels',
  'retention',
  'recipient',
  'time',
  'all',
  'any',
  'not',
] as const;

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
