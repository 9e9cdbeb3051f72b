/**
 * The policy engine: policy-as-code in YAML or JSON → validated → compiled decision function.
 * Pure, no I/O (except `nodePolicyCliIo`, the CLI's file and terminal access).
 */
export * from './decision.ts';
export { builtinPolicy } from './builtin-policy.ts';
export { loadPolicy, tryLoadPolicy, checkPolicy } from './load-policy.ts';
export type { LoadPolicyOptions, LoadedPolicy, PolicyLoadResult, PolicyCheckResult } from './load-policy.ts';
export { PolicyDecision, type CompiledPolicy, type PolicyRuleInfo } from './compiled-policy.ts';
export { explainDecision, formatTrigger, type ExplainOptions } from './explain.ts';
export {
  runPolicyCases,
  loadPolicyCases,
  formatCaseReport,
  formatRoute,
  type PolicyCaseReport,
  type PolicyCaseResult,
  type CaseDifference,
  type LoadCasesOptions,
} from './run-policy-cases.ts';
export type { PolicyCase, CaseExpectation, ExpectedStep } from './policy-case.ts';
export {
  diagnosticsOf,
  formatDiagnostic,
  formatPosition,
  POLICY_WARNING_CODES,
  type PolicyDiagnostic,
  type PolicyWarning,
  type PolicyWarningCode,
  type SourcePosition,
} from './policy-diagnostics.ts';
export { POLICY_SCHEMA } from './schema-validation.ts';
export { CHANNEL_TIERS, NOTICE_ONLY_CHANNELS, POLICY_CHANNELS, TIER_FLOORS, tierRank } from './tiers.ts';
export { countryOfNumber } from './country.ts';
export { parseDuration, formatDuration } from './duration.ts';
export { policyTestCommand, policyExplainCommand, nodePolicyCliIo, type PolicyCliIo } from './policy-cli.ts';
