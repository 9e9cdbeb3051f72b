import type { Decision, PolicyEngine, RouteStep } from './decision.ts';
import { formatPosition, policyLoadError } from './policy-diagnostics.ts';
import { casesFromDocs, type ExpectedStep, type PolicyCase } from './policy-case.ts';
import type { PolicyDiagnostic } from './policy-diagnostics.ts';
import { validateCases } from './schema-validation.ts';
import { parseSource } from './source-map.ts';

/** One field where a decision differs from what a case expects. */
export interface CaseDifference {
  readonly field: string;
  readonly expected: string;
  readonly actual: string;
}

/** The outcome of one case: a value, so a batch reports every case (like Kysely's results). */
export interface PolicyCaseResult {
  readonly name: string;
  readonly ok: boolean;
  readonly differences: readonly CaseDifference[];
  readonly decision: Decision;
  readonly case: PolicyCase;
}

/** The outcome of a batch of cases. */
export interface PolicyCaseReport {
  readonly ok: boolean;
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
  readonly policyVersion: string;
  readonly results: readonly PolicyCaseResult[];
}

/**
 * Runs cases against a policy (any `PolicyEngine`) and compares each decision with its
 * expectation. Never throws for a failing case; `ok` is true when all pass.
 */
export function runPolicyCases(policy: PolicyEngine, cases: readonly PolicyCase[]): PolicyCaseReport {
  const results = cases.map((c): PolicyCaseResult => {
    const decision = policy.decide(c.message, c.recipient, c.now);
    const differences = compare(c, decision);
    return { name: c.name, ok: differences.length === 0, differences, decision, case: c };
  });
  const passed = results.filter((r) => r.ok).length;
  return {
    ok: passed === results.length,
    total: results.length,
    passed,
    failed: results.length - passed,
    policyVersion: policy.version,
    results,
  };
}

function compare(c: PolicyCase, d: Decision): CaseDifference[] {
  const e = c.expect;
  const out: CaseDifference[] = [];
  const diff = (field: string, expected: string, actual: string): void => {
    if (expected !== actual) out.push({ field, expected, actual });
  };
  if (e.outcome !== undefined) diff('outcome', e.outcome, d.outcome);
  if (e.rule !== undefined) diff('rule', JSON.stringify(e.rule), JSON.stringify(d.rule));
  if (e.route !== undefined && !routeMatches(e.route, d.route)) {
    out.push({ field: 'route', expected: formatExpected(e.route), actual: formatRoute(d.route) });
  }
  if (e.journal !== undefined) diff('journal', e.journal, d.journal);
  if (e.minimumTier !== undefined) diff('minimum_tier', e.minimumTier, d.minimumTier);
  if (e.belowMinimumTier !== undefined) {
    const below = d.route.filter((s) => s.belowMinimumTier).map((s) => s.channel);
    diff('below_minimum_tier', `[${e.belowMinimumTier.join(', ')}]`, `[${below.join(', ')}]`);
  }
  for (const want of e.reasonsInclude ?? []) {
    if (!d.reasons.some((r) => r.includes(want))) {
      out.push({
        field: 'reasons',
        expected: `a reason containing ${JSON.stringify(want)}`,
        actual: JSON.stringify(d.reasons),
      });
    }
  }
  return out;
}

function routeMatches(expected: readonly ExpectedStep[], actual: readonly RouteStep[]): boolean {
  return (
    expected.length === actual.length &&
    expected.every(
      (s, i) =>
        s.channel === actual[i]!.channel && (s.content === undefined || s.content === actual[i]!.content),
    )
  );
}

function formatExpected(route: readonly ExpectedStep[]): string {
  return `[${route.map((s) => (s.content === undefined ? s.channel : `${s.channel}:${s.content}`)).join(', ')}]`;
}

/** A route as `[secure:full, sms:notice]`. */
export function formatRoute(route: readonly RouteStep[]): string {
  return `[${route.map((s) => `${s.channel}:${s.content}`).join(', ')}]`;
}

/**
 * A readable report: one line per case (`✓`/`✗`), and for each failure an expected/actual pair
 * per differing field plus the reasons of the decision actually taken.
 */
export function formatCaseReport(report: PolicyCaseReport, opts: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  for (const r of report.results) {
    if (r.ok) {
      if (opts.verbose === true) lines.push(`  ✓ ${r.name}`);
      continue;
    }
    const where = r.case.position === undefined ? '' : `  (${formatPosition(r.case.position)})`;
    lines.push(`  ✗ ${r.name}${where}`);
    const width = Math.max(...r.differences.map((d) => d.field.length));
    for (const d of r.differences) {
      lines.push(`      ${d.field.padEnd(width)}  - expected ${d.expected}`);
      lines.push(`      ${' '.repeat(width)}  + actual   ${d.actual}`);
    }
    lines.push(`      decided by rule ${JSON.stringify(r.decision.rule)}: ${r.decision.reasons.join('; ')}`);
  }
  lines.push(
    `${report.passed} passed, ${report.failed} failed (${report.total} cases, policy ${report.policyVersion})`,
  );
  return `${lines.join('\n')}\n`;
}

/** Options for reading a cases file. */
export interface LoadCasesOptions {
  /** Shown in positions; default `<cases>`. */
  readonly filename?: string;
}

/**
 * Parses and validates a cases file (YAML or JSON: `cases: [{ name, message, recipient, now,
 * expect }]`). Throws a `HeraldError` (`HERALD_ERR_POLICY_CASES_INVALID`) naming line and column.
 */
export function loadPolicyCases(source: string, opts: LoadCasesOptions = {}): PolicyCase[] {
  const file = opts.filename ?? '<cases>';
  const parsed = parseSource(source, file, 'HERALD_ERR_POLICY_CASES_INVALID');
  if (!parsed.ok) throw policyLoadError(parsed.diagnostics);
  const valid = validateCases(parsed.doc);
  if (!valid.ok) throw policyLoadError(valid.diagnostics);
  const problems: PolicyDiagnostic[] = [];
  const cases = casesFromDocs(valid.value.cases, parsed.doc, '/cases', (path, message) =>
    problems.push({ code: 'HERALD_ERR_POLICY_CASES_INVALID', message, path, ...parsed.doc.positionOf(path) }),
  );
  if (problems.length > 0) throw policyLoadError(problems);
  return cases;
}
