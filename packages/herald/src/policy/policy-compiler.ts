import type { SecurityTier } from './decision.ts';
import type { ErrorCode } from '../errors/index.ts';
import { alwaysHolds, covers, guardsOf, possibleClassifications, usesTime } from './condition-analysis.ts';
import { compileCondition, specialisedTest } from './condition-compiler.ts';
import type { CompiledCondition } from './condition.ts';
import { PolicyRuntime, type DecisionTemplate, type RuntimeRule } from './compiled-policy.ts';
import { CLASSIFICATIONS, type Classification, type Outcome, type Requirement } from './decision.ts';
import { casesFromDocs } from './policy-case.ts';
import type { PolicyDiagnostic, PolicyWarning, PolicyWarningCode } from './policy-diagnostics.ts';
import type { PolicyDoc, RuleDoc, StepDoc } from './policy-document.ts';
import { BUILTIN_NOTICE, compileRoute, resolveNotice, type RouteContext, type StepPlan } from './routes.ts';
import type { SourceDocument } from './source-map.ts';
import { CHANNEL_TIERS, maxTier, NOTICE_ONLY_CHANNELS, TIER_FLOORS, tierRank } from './tiers.ts';

/** The result of compiling a schema-valid document. */
export type CompileResult =
  | { readonly ok: true; readonly policy: PolicyRuntime; readonly warnings: PolicyWarning[] }
  | { readonly ok: false; readonly diagnostics: PolicyDiagnostic[]; readonly warnings: PolicyWarning[] };

/**
 * Compiles a schema-valid policy into a decision function. Everything that does not depend on
 * the message is resolved here: conditions become closures, routes become per-classification
 * decision templates, and the tier rule is checked for every classification a rule can see.
 */
export function compilePolicy(
  doc: PolicyDoc,
  src: SourceDocument,
  version: string,
  opts: { readonly generateCode: boolean } = { generateCode: true },
): CompileResult {
  const diagnostics: PolicyDiagnostic[] = [];
  const warnings: PolicyWarning[] = [];
  const error = (code: ErrorCode, path: string, message: string, rule?: string): void => {
    diagnostics.push({
      code,
      message,
      path,
      ...src.positionOf(path),
      ...(rule === undefined ? {} : { rule }),
    });
  };
  const warn = (code: PolicyWarningCode, path: string, message: string, rule?: string): void => {
    warnings.push({ code, message, path, ...src.positionOf(path), ...(rule === undefined ? {} : { rule }) });
  };

  // Defaults: minimum tier per classification, never below the floors.
  const minTier = {} as Record<Classification, SecurityTier>;
  for (const c of CLASSIFICATIONS) {
    const set = doc.defaults?.min_tier?.[c];
    minTier[c] = set ?? TIER_FLOORS[c];
    if (set !== undefined && tierRank(set) < tierRank(TIER_FLOORS[c])) {
      error(
        'HERALD_ERR_POLICY_TIER_FLOOR',
        `/defaults/min_tier/${c}`,
        `${c} messages need at least ${TIER_FLOORS[c]}; a policy may raise that minimum, not lower it to ${set}`,
      );
      minTier[c] = TIER_FLOORS[c];
    }
  }
  const notices = doc.notices ?? {};
  const defaultJournal = doc.defaults?.journal ?? 'none';
  const defaultNotice = resolveNotice(doc.defaults?.notice, '/defaults/notice', { notices, error }) ?? {
    text: BUILTIN_NOTICE,
  };

  const names = new Map<string, number>();
  const runtime: RuntimeRule[] = [];
  const conditions: CompiledCondition[] = [];
  let timeDependent = false;
  const captured = new Set<Classification>();
  doc.rules.forEach((rule, index) => {
    const base = `/rules/${index}`;
    const earlier = names.get(rule.name);
    if (earlier !== undefined) {
      error(
        'HERALD_ERR_POLICY_DUPLICATE_RULE',
        `${base}/name`,
        `rule "${rule.name}" is already defined as rule ${earlier + 1}; rule names must be unique`,
        rule.name,
      );
    } else names.set(rule.name, index);

    const cond = compileCondition(rule.when, `${base}/when`, (path, message) =>
      error('HERALD_ERR_POLICY_INVALID', path, message, rule.name),
    );
    conditions.push(cond);
    timeDependent ||= usesTime(rule.when);
    // The classifications that can reach this rule: those its condition admits, minus those an
    // earlier rule always decides (first match wins, so they never get here).
    const admitted = possibleClassifications(rule.when);
    const possible = admitted.filter((c) => !captured.has(c));
    for (const c of CLASSIFICATIONS) if (alwaysHolds(rule.when, c)) captured.add(c);

    const ctx: RouteContext = {
      notices,
      defaultNotice,
      error: (code, path, message) => error(code, path, `rule "${rule.name}": ${message}`, rule.name),
      warn: (path, message) =>
        warn('fallback_on_last_step', path, `rule "${rule.name}": ${message}`, rule.name),
    };
    const { outcome, body, path } = outcomeOf(rule, base);
    const steps = body.route === undefined ? [] : compileRoute(body.route, `${path}/route`, ctx);
    const requires = body.require ?? [];
    const ruleMin = body.min_tier;
    const tierFor = (c: Classification): SecurityTier =>
      maxTier(maxTier(minTier[c], ruleMin ?? 'plaintext'), requires.includes('e2ee') ? 'e2ee' : 'plaintext');

    // DESIGN decision 4: content never travels below the minimum tier. Checked for every
    // classification this rule can see, so it holds whatever message reaches the rule.
    for (const [i, step] of steps.entries()) {
      // A full push step is already an error of its own (push carries notices only).
      if (step.content !== 'full' || NOTICE_ONLY_CHANNELS.has(step.channel)) continue;
      const below = possible.filter((c) => tierRank(step.tier) < tierRank(tierFor(c)));
      if (below.length === 0) continue;
      const needs = below.map((c) => `${c}: ${tierFor(c)}`).join(', ');
      error(
        'HERALD_ERR_POLICY_CONTENT_BELOW_TIER',
        `${step.path}/channel`,
        `rule "${rule.name}": step ${i + 1} sends the message itself by ${step.channel} (${step.tier}), below the minimum tier of messages that can reach this rule (${needs}); make the step content: notice, or narrow the rule with a classification condition`,
        rule.name,
      );
    }

    const templates = CLASSIFICATIONS.map((c) =>
      possible.includes(c)
        ? template({
            rule,
            index,
            outcome,
            cond,
            steps,
            requires,
            minimumTier: tierFor(c),
            tierSource: tierSource(c, minTier[c], ruleMin, requires),
            journal: body.journal ?? defaultJournal,
            reason: body.reason,
          })
        : undefined,
    );
    runtime.push({
      name: rule.name,
      index,
      tests: CLASSIFICATIONS.map((c) => specialisedTest(rule.when, c)),
      explain: cond.explain,
      guards: guardsOf(rule.when),
      templates,
    });

    if (admitted.length === 0) {
      warn(
        'never_matches',
        `${base}/when`,
        `rule "${rule.name}" can never match: no classification satisfies its condition`,
        rule.name,
      );
    } else if (possible.length === 0) {
      warn(
        'shadowed_rule',
        `${base}/name`,
        `rule "${rule.name}" is unreachable: earlier rules decide every ${admitted.join(', ')} message`,
        rule.name,
      );
    } else {
      const by = doc.rules.slice(0, index).findIndex((e) => covers(e.when, rule.when));
      if (by >= 0) {
        warn(
          'shadowed_rule',
          `${base}/name`,
          `rule "${rule.name}" is unreachable: rule ${by + 1} "${doc.rules[by]!.name}" matches every message it would match`,
          rule.name,
        );
      }
    }
  });

  // Embedded cases must at least be well-formed for the policy to load.
  const cases = casesFromDocs(doc.tests ?? [], src, '/tests', (path, message) =>
    error('HERALD_ERR_POLICY_INVALID', path, message),
  );
  if (diagnostics.length > 0) return { ok: false, diagnostics, warnings };

  const unmatchedOutcome = doc.defaults?.unmatched ?? 'block';
  const unmatched = CLASSIFICATIONS.map((c): DecisionTemplate => ({
    outcome: unmatchedOutcome,
    route: [],
    journal: defaultJournal,
    minimumTier: minTier[c],
    rule: '(no rule matched)',
    ruleIndex: -1,
    reasons: [`no rule matched, so the policy default applies: ${unmatchedOutcome}`],
    requires: [],
    consent: false,
    managed: false,
  }));
  const invalid: DecisionTemplate = {
    ...unmatched[3]!,
    outcome: 'block',
    rule: '(invalid message)',
    reasons: ['blocked: the message has no known classification'],
  };
  const policy = new PolicyRuntime({
    name: doc.name,
    version,
    ...(doc.description === undefined ? {} : { description: doc.description }),
    file: src.file,
    rules: runtime,
    info: doc.rules.map((rule, index) => ({
      name: rule.name,
      index,
      outcome: outcomeOf(rule, '').outcome,
      ...(rule.description === undefined ? {} : { description: rule.description }),
      when: conditions[index]!.text,
      ...src.positionOf(`/rules/${index}`),
    })),
    unmatched,
    invalid,
    cases,
    usesTime: timeDependent,
    generateCode: opts.generateCode,
  });
  return { ok: true, policy, warnings };
}

interface OutcomeBody {
  readonly route?: readonly StepDoc[];
  readonly journal?: DecisionTemplate['journal'];
  readonly require?: readonly Requirement[];
  readonly min_tier?: SecurityTier;
  readonly reason?: string;
}

function outcomeOf(rule: RuleDoc, base: string): { outcome: Outcome; body: OutcomeBody; path: string } {
  if (rule.allow !== undefined) return { outcome: 'allow', body: rule.allow, path: `${base}/allow` };
  if (rule.block !== undefined) return { outcome: 'block', body: rule.block, path: `${base}/block` };
  return { outcome: 'escalate', body: rule.escalate ?? { reason: '' }, path: `${base}/escalate` };
}

function tierSource(
  c: Classification,
  byDefault: SecurityTier,
  ruleMin: SecurityTier | undefined,
  requires: readonly Requirement[],
): string {
  if (requires.includes('e2ee') && byDefault !== 'e2ee') return 'the rule requires e2ee';
  if (ruleMin !== undefined && tierRank(ruleMin) > tierRank(byDefault)) return 'set by the rule';
  return `the policy's minimum for ${c} messages`;
}

function template(a: {
  rule: RuleDoc;
  index: number;
  outcome: Outcome;
  cond: CompiledCondition;
  steps: readonly StepPlan[];
  requires: readonly Requirement[];
  minimumTier: SecurityTier;
  tierSource: string;
  journal: DecisionTemplate['journal'];
  reason: string | undefined;
}): DecisionTemplate {
  const route = a.steps.map((s) =>
    Object.freeze({
      channel: s.channel,
      tier: s.tier,
      content: s.content,
      ...(s.notice === undefined ? {} : { notice: s.notice }),
      ...(s.noticeTemplate === undefined ? {} : { noticeTemplate: s.noticeTemplate }),
      fallbackOn: s.fallbackOn,
      belowMinimumTier: tierRank(CHANNEL_TIERS[s.channel]) < tierRank(a.minimumTier),
    }),
  );
  const reasons: string[] = [];
  if (a.outcome === 'block') reasons.push(`blocked: ${a.reason ?? ''}`);
  if (a.outcome === 'escalate') reasons.push(`held for review: ${a.reason ?? ''}`);
  reasons.push(
    a.rule.when === undefined
      ? `rule "${a.rule.name}" matched: it has no conditions`
      : `rule "${a.rule.name}" matched: ${a.cond.text}`,
  );
  reasons.push(`minimum tier ${a.minimumTier} (${a.tierSource})`);
  route.forEach((s, i) => {
    if (s.belowMinimumTier) {
      reasons.push(
        `step ${i + 1} (${s.channel}, ${s.tier}) is below the minimum tier, so it carries only a content-free notice`,
      );
    }
  });
  if (a.requires.includes('consent')) reasons.push('only channels the recipient consented to');
  if (a.requires.includes('managed_device')) reasons.push('only to a managed, compliant device');
  return Object.freeze({
    outcome: a.outcome,
    route: Object.freeze(route),
    journal: a.journal,
    minimumTier: a.minimumTier,
    rule: a.rule.name,
    ruleIndex: a.index,
    reasons: Object.freeze(reasons),
    requires: Object.freeze([...a.requires]),
    consent: a.requires.includes('consent') && route.length > 0,
    managed: a.requires.includes('managed_device'),
  });
}
