import type { Decision, RouteStep, Trigger } from './decision.ts';
import { formatDuration } from './duration.ts';

/** Options for `explainDecision`. */
export interface ExplainOptions {
  /** Shown next to the policy version. */
  readonly policyFile?: string;
  /** Whether to include the trace (default true). */
  readonly trace?: boolean;
}

/**
 * Renders a decision and its trace as text for people: what happens, by which rule of which
 * policy version, the route step by step (with tiers and notices), the reasons, and every rule
 * looked at with why it did or did not match. Reads `decision.trace`, which a compiled policy
 * builds on first read.
 */
export function explainDecision(decision: Decision, opts: ExplainOptions = {}): string {
  const lines: string[] = [];
  const ruleNo =
    decision.ruleIndex === undefined || decision.ruleIndex < 0 ? '' : ` (rule ${decision.ruleIndex + 1})`;
  lines.push(`decision  ${decision.outcome.toUpperCase()} by rule "${decision.rule}"${ruleNo}`);
  const file = opts.policyFile === undefined ? '' : ` from ${opts.policyFile}`;
  const name = decision.policyName === undefined ? '' : `${decision.policyName} `;
  lines.push(`policy    ${name}${decision.policyVersion}${file}`);
  const requires =
    decision.requires === undefined || decision.requires.length === 0
      ? ''
      : `   requires: ${decision.requires.join(', ')}`;
  lines.push(`minimum   ${decision.minimumTier}   journal: ${decision.journal}${requires}`);
  if (decision.route.length > 0) {
    lines.push(decision.outcome === 'escalate' ? 'route if a reviewer releases it:' : 'route:');
    decision.route.forEach((s, i) => lines.push(`  ${i + 1}. ${formatStep(s)}`));
  }
  lines.push('reasons:');
  for (const r of decision.reasons) lines.push(`  - ${r}`);
  if (opts.trace !== false) {
    lines.push('trace:');
    if (decision.trace.length === 0) lines.push('  (no rules)');
    decision.trace.forEach((t, i) => lines.push(`  ${t.matched ? '✓' : '✗'} ${i + 1}. ${t.rule}: ${t.why}`));
  }
  return `${lines.join('\n')}\n`;
}

function formatStep(s: RouteStep): string {
  const parts = [`${s.channel} (${s.tier})`, s.content];
  if (s.notice !== undefined) parts.push(JSON.stringify(s.notice));
  if (s.belowMinimumTier) parts.push('[below minimum tier: notice only]');
  if (s.fallbackOn.length > 0) parts.push(`— next step on ${s.fallbackOn.map(formatTrigger).join(', ')}`);
  return parts.join(' ');
}

/** `undelivered_after 30s`, `failed`, … */
export function formatTrigger(t: Trigger): string {
  return 'ms' in t ? `${t.on} ${formatDuration(t.ms)}` : t.on;
}
