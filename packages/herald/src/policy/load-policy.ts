import { HeraldError } from '../errors/index.ts';
import { contentHash } from './canonical-json.ts';
import type { CompiledPolicy } from './compiled-policy.ts';
import type { PolicyCase } from './policy-case.ts';
import { compilePolicy } from './policy-compiler.ts';
import {
  diagnosticsOf,
  policyLoadError,
  type PolicyDiagnostic,
  type PolicyWarning,
} from './policy-diagnostics.ts';
import type { PolicyDoc } from './policy-document.ts';
import { runPolicyCases, type PolicyCaseReport } from './run-policy-cases.ts';
import { validatePolicy } from './schema-validation.ts';
import { parseSource } from './source-map.ts';

/** Options for loading a policy. */
export interface LoadPolicyOptions {
  /** The name positions are reported against (`docs/policies/default.yaml`); default `<policy>`. */
  readonly filename?: string;
  /**
   * Whether small rule sets may run a generated scan (`new Function`, like ajv). Default true;
   * false, or a runtime started with `--disallow-code-generation-from-strings`, uses closures
   * only. Decisions are identical either way; only speed differs.
   */
  readonly generateCode?: boolean;
}

/** A policy that loaded, and what looked wrong in it without stopping it. */
export interface LoadedPolicy {
  readonly policy: CompiledPolicy;
  readonly warnings: readonly PolicyWarning[];
}

/** `tryLoadPolicy`'s answer: the policy, or why it did not load. Never both. */
export type PolicyLoadResult =
  | ({ readonly ok: true } & LoadedPolicy)
  | {
      readonly ok: false;
      /** The error `loadPolicy` would throw (code and message of the first diagnostic). */
      readonly error: HeraldError;
      readonly diagnostics: readonly PolicyDiagnostic[];
      readonly warnings: readonly PolicyWarning[];
    };

/**
 * Parses (YAML or JSON), validates against `policy.schema.json`, checks and compiles a policy.
 * Pure: no I/O, the same source always gives the same policy and version. Returns a result
 * value; see `loadPolicy` for the throwing form.
 */
export function tryLoadPolicy(source: string, opts: LoadPolicyOptions = {}): PolicyLoadResult {
  const file = opts.filename ?? '<policy>';
  const parsed = parseSource(source, file, 'HERALD_ERR_POLICY_SYNTAX');
  if (!parsed.ok) return failed(parsed.diagnostics, []);
  const valid = validatePolicy(parsed.doc);
  if (!valid.ok) return failed(valid.diagnostics, []);
  const doc: PolicyDoc = valid.value;
  const compiled = compilePolicy(doc, parsed.doc, contentHash(parsed.doc.value), {
    generateCode: opts.generateCode !== false,
  });
  if (!compiled.ok) return failed(compiled.diagnostics, compiled.warnings);
  return { ok: true, policy: compiled.policy, warnings: compiled.warnings };
}

/**
 * Loads a policy or throws a `HeraldError` whose code names the first problem
 * (`HERALD_ERR_POLICY_*`) and whose `details.diagnostics` lists every problem with file, line
 * and column.
 */
export function loadPolicy(source: string, opts: LoadPolicyOptions = {}): LoadedPolicy {
  const r = tryLoadPolicy(source, opts);
  if (!r.ok) throw r.error;
  return { policy: r.policy, warnings: r.warnings };
}

/** `checkPolicy`'s answer: a policy that may become active, or why not. */
export type PolicyCheckResult =
  | ({ readonly ok: true; readonly report: PolicyCaseReport } & LoadedPolicy)
  | {
      readonly ok: false;
      readonly error: HeraldError;
      readonly diagnostics: readonly PolicyDiagnostic[];
      readonly warnings: readonly PolicyWarning[];
      /** Present when the policy compiled but cases failed. */
      readonly report?: PolicyCaseReport;
    };

/**
 * The activation gate (for `PUT /v1/policy` and a watched file): the policy must load and its
 * embedded `tests`, plus any `cases` given, must all pass. A failing case gives
 * `HERALD_ERR_POLICY_CASES_FAILED` with the report; the caller keeps the previous policy.
 */
export function checkPolicy(
  source: string,
  opts: LoadPolicyOptions & { readonly cases?: readonly PolicyCase[] } = {},
): PolicyCheckResult {
  const loaded = tryLoadPolicy(source, opts);
  if (!loaded.ok) return loaded;
  const report = runPolicyCases(loaded.policy, [...loaded.policy.cases, ...(opts.cases ?? [])]);
  if (report.ok) return { ok: true, policy: loaded.policy, warnings: loaded.warnings, report };
  const error = new HeraldError(
    'HERALD_ERR_POLICY_CASES_FAILED',
    { failed: report.failed, total: report.total },
    {
      details: {
        failed: report.results
          .filter((r) => !r.ok)
          .map((r) => ({ name: r.name, differences: r.differences })),
      },
    },
  );
  return { ok: false, error, diagnostics: [], warnings: loaded.warnings, report };
}

function failed(
  diagnostics: readonly PolicyDiagnostic[],
  warnings: readonly PolicyWarning[],
): PolicyLoadResult {
  const error = policyLoadError(diagnostics);
  return { ok: false, error, diagnostics: diagnosticsOf(error), warnings };
}
