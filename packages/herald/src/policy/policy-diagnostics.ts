import { HeraldError, type ErrorCode } from '../errors/index.ts';

/** A place in a policy or cases file, 1-based like editors show it. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One thing wrong with a policy or cases file. */
export interface PolicyDiagnostic extends SourcePosition {
  /** Stable error code (`HERALD_ERR_POLICY_*`). */
  readonly code: ErrorCode;
  /** What is wrong, in one sentence, without the position. */
  readonly message: string;
  /** JSON Pointer into the document (`/rules/2/allow/route/0/channel`). */
  readonly path: string;
  /** The rule concerned, when there is one. */
  readonly rule?: string;
}

/** Kinds of warnings: the policy loads, but something in it is probably a mistake. */
export const POLICY_WARNING_CODES = ['shadowed_rule', 'never_matches', 'fallback_on_last_step'] as const;
export type PolicyWarningCode = (typeof POLICY_WARNING_CODES)[number];

/** A finding that does not stop a policy from loading. */
export interface PolicyWarning extends SourcePosition {
  readonly code: PolicyWarningCode;
  readonly message: string;
  readonly path: string;
  readonly rule?: string;
}

/** `file:line:column`, the form editors and terminals turn into links. */
export function formatPosition(p: SourcePosition): string {
  return `${p.file}:${p.line}:${p.column}`;
}

/** One line per diagnostic or warning: `file:line:column: message [code]`. */
export function formatDiagnostic(d: PolicyDiagnostic | PolicyWarning): string {
  return `${formatPosition(d)}: ${d.message} [${d.code}]`;
}

/**
 * The error thrown for a policy that does not load. Its code and message come from the first
 * diagnostic (in source order); `details.diagnostics` lists all of them.
 */
export function policyLoadError(diagnostics: readonly PolicyDiagnostic[]): HeraldError {
  const sorted = [...diagnostics].sort((a, b) => a.line - b.line || a.column - b.column);
  const first = sorted[0];
  if (first === undefined) throw new Error('policyLoadError needs at least one diagnostic');
  const more = sorted.length > 1 ? ` (and ${sorted.length - 1} more)` : '';
  return new HeraldError(
    first.code,
    { where: formatPosition(first), detail: `${first.message}${more}` },
    { details: { diagnostics: sorted } },
  );
}

/** The diagnostics a policy error carries (empty for other errors). */
export function diagnosticsOf(err: unknown): readonly PolicyDiagnostic[] {
  if (!(err instanceof HeraldError)) return [];
  const d = err.details?.['diagnostics'];
  return Array.isArray(d) ? (d as PolicyDiagnostic[]) : [];
}
