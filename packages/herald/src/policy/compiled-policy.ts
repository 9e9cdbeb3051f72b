import type { SecurityTier } from './decision.ts';
import type { Guard } from './condition-analysis.ts';
import type { Explainer, Predicate } from './condition.ts';
import type {
  Decision,
  JournalMode,
  MessageFacts,
  Outcome,
  PolicyEngine,
  RecipientContext,
  Requirement,
  RouteStep,
  TraceEntry,
} from './decision.ts';
import { explainDecision } from './explain.ts';
import type { PolicyCase } from './policy-case.ts';
import type { SourcePosition } from './policy-diagnostics.ts';
import { RulePlan } from './rule-index.ts';

/**
 * Everything about a decision that does not depend on the message: built once per rule and
 * classification at load time, so `decide` copies fields instead of computing them.
 */
export interface DecisionTemplate {
  readonly outcome: Outcome;
  readonly route: readonly RouteStep[];
  readonly journal: JournalMode;
  readonly minimumTier: SecurityTier;
  readonly rule: string;
  readonly ruleIndex: number;
  readonly reasons: readonly string[];
  readonly requires: readonly Requirement[];
  /** Set when the route must be filtered by the recipient's consent at decide time. */
  readonly consent: boolean;
  /** Set when the recipient's device must be managed and compliant. */
  readonly managed: boolean;
}

/** A rule as `decide` and the trace see it. */
export interface RuntimeRule {
  readonly name: string;
  readonly index: number;
  /** The rule's test specialised per classification (index into CLASSIFICATIONS). */
  readonly tests: readonly Predicate[];
  readonly explain: Explainer;
  /** Necessary conditions used to index the rule (any one must hold); undefined: none known. */
  readonly guards: readonly Guard[] | undefined;
  /** One template per classification (index into CLASSIFICATIONS); undefined when impossible. */
  readonly templates: readonly (DecisionTemplate | undefined)[];
}

/** What a loaded policy tells about each rule (for listings, the console, `explain`). */
export interface PolicyRuleInfo extends SourcePosition {
  readonly name: string;
  readonly index: number;
  readonly outcome: Outcome;
  readonly description?: string;
  /** The rule's condition in words. */
  readonly when: string;
}

/**
 * A loaded, compiled policy: the `PolicyEngine` port plus what tooling needs. `decide` is pure
 * and deterministic for given inputs; pass `now` whenever the policy has time conditions.
 */
export interface CompiledPolicy extends PolicyEngine {
  /** The policy's `name`. */
  readonly name: string;
  /** `sha256:<hex>` of the canonical content: the version stored with every decision. */
  readonly version: string;
  readonly description?: string;
  /** The file name the policy was loaded from (as given to `loadPolicy`). */
  readonly file: string;
  readonly rules: readonly PolicyRuleInfo[];
  /** The test cases embedded in the policy (`tests:`); they gate activation. */
  readonly cases: readonly PolicyCase[];
  /** Whether any rule looks at the time of day (then `now` matters). */
  readonly usesTime: boolean;
  decide(message: MessageFacts, recipient: RecipientContext, now?: Date): Decision;
  /** The decision and its full trace as readable text. */
  explain(message: MessageFacts, recipient: RecipientContext, now?: Date): string;
}

/**
 * Index of a classification in CLASSIFICATIONS, or -1. Comparisons rather than a lookup table:
 * a table read with a varying key is a megamorphic keyed load, several times slower.
 */
function classIndex(c: string): number {
  return c === 'public' ? 0 : c === 'internal' ? 1 : c === 'confidential' ? 2 : c === 'restricted' ? 3 : -1;
}

/** Parts the compiler hands to the runtime. */
export interface CompiledParts {
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  readonly file: string;
  readonly rules: readonly RuntimeRule[];
  readonly info: readonly PolicyRuleInfo[];
  readonly unmatched: readonly DecisionTemplate[];
  readonly invalid: DecisionTemplate;
  readonly cases: readonly PolicyCase[];
  readonly usesTime: boolean;
  readonly generateCode: boolean;
}

/** The runtime of a compiled policy. Built by `compilePolicy`; use `loadPolicy` to get one. */
export class PolicyRuntime implements CompiledPolicy {
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  readonly file: string;
  readonly rules: readonly PolicyRuleInfo[];
  readonly cases: readonly PolicyCase[];
  readonly usesTime: boolean;
  readonly #rules: readonly RuntimeRule[];
  // Per classification: the rules that can match it, in policy order, and their templates.
  readonly #plans: readonly RulePlan[];
  readonly #templates: readonly (readonly DecisionTemplate[])[];
  readonly #unmatched: readonly DecisionTemplate[];
  readonly #invalid: DecisionTemplate;

  constructor(parts: CompiledParts) {
    this.name = parts.name;
    this.version = parts.version;
    if (parts.description !== undefined) this.description = parts.description;
    this.file = parts.file;
    this.rules = parts.info;
    this.cases = parts.cases;
    this.usesTime = parts.usesTime;
    this.#rules = parts.rules;
    this.#unmatched = parts.unmatched;
    this.#invalid = parts.invalid;
    const plans: RulePlan[] = [];
    const templates: DecisionTemplate[][] = [];
    for (let ci = 0; ci < 4; ci++) {
      const reachable = parts.rules.filter((rule) => rule.templates[ci] !== undefined);
      plans.push(
        new RulePlan(
          reachable.map((rule) => rule.tests[ci]!),
          reachable.map((rule) => rule.guards),
          { generate: parts.generateCode },
        ),
      );
      templates.push(reachable.map((rule) => rule.templates[ci]!));
    }
    this.#plans = plans;
    this.#templates = templates;
  }

  decide(message: MessageFacts, recipient: RecipientContext, now?: Date): Decision {
    const nowMs = now === undefined ? (this.usesTime ? Date.now() : 0) : now.getTime();
    const ci = classIndex(message.classification);
    // Typed callers cannot get here, but the API may hand over anything: decide, never throw.
    if (ci < 0) return this.#make(this.#invalid, message, recipient, nowMs);
    const i = this.#plans[ci]!.first(message, recipient, nowMs);
    if (i < 0) return this.#make(this.#unmatched[ci]!, message, recipient, nowMs);
    return this.#finish(this.#templates[ci]![i]!, message, recipient, nowMs);
  }

  explain(message: MessageFacts, recipient: RecipientContext, now?: Date): string {
    return explainDecision(this.decide(message, recipient, now), { policyFile: this.file });
  }

  #finish(t: DecisionTemplate, m: MessageFacts, r: RecipientContext, nowMs: number): Decision {
    if (!t.consent && !t.managed) return this.#make(t, m, r, nowMs);
    return this.#make(applyRequirements(t, r), m, r, nowMs);
  }

  #make(t: DecisionTemplate, m: MessageFacts, r: RecipientContext, nowMs: number): Decision {
    return new PolicyDecision(t, this.version, this.name, this.#rules, m, r, nowMs);
  }
}

/**
 * A decision made by a compiled policy. Its fields are plain data; `trace` is rebuilt on first
 * read from the same pure inputs, so a decision nobody explains costs one small object.
 * `toJSON()` (used by `JSON.stringify`) gives a plain object with the trace included; copy with
 * `toJSON()`, not with spread, which skips the prototype's `trace` getter.
 */
export class PolicyDecision implements Decision {
  readonly outcome: Outcome;
  readonly route: readonly RouteStep[];
  readonly journal: JournalMode;
  readonly minimumTier: SecurityTier;
  readonly rule: string;
  readonly ruleIndex: number;
  readonly policyVersion: string;
  readonly policyName: string;
  readonly reasons: readonly string[];
  readonly requires: readonly Requirement[];
  #trace: readonly TraceEntry[] | undefined;
  readonly #rules: readonly RuntimeRule[];
  readonly #message: MessageFacts;
  readonly #recipient: RecipientContext;
  readonly #nowMs: number;

  constructor(
    t: DecisionTemplate,
    policyVersion: string,
    policyName: string,
    rules: readonly RuntimeRule[],
    message: MessageFacts,
    recipient: RecipientContext,
    nowMs: number,
  ) {
    this.outcome = t.outcome;
    this.route = t.route;
    this.journal = t.journal;
    this.minimumTier = t.minimumTier;
    this.rule = t.rule;
    this.ruleIndex = t.ruleIndex;
    this.policyVersion = policyVersion;
    this.policyName = policyName;
    this.reasons = t.reasons;
    this.requires = t.requires;
    this.#trace = undefined;
    this.#rules = rules;
    this.#message = message;
    this.#recipient = recipient;
    this.#nowMs = nowMs;
  }

  /** The rules looked at, in order, up to and including the one that matched. */
  get trace(): readonly TraceEntry[] {
    return (this.#trace ??= buildTrace(
      this.#rules,
      this.ruleIndex,
      this.#message,
      this.#recipient,
      this.#nowMs,
    ));
  }

  /** A plain, JSON-ready copy with the trace expanded. */
  toJSON(): Decision {
    return {
      outcome: this.outcome,
      route: this.route,
      journal: this.journal,
      minimumTier: this.minimumTier,
      rule: this.rule,
      ruleIndex: this.ruleIndex,
      policyVersion: this.policyVersion,
      policyName: this.policyName,
      reasons: this.reasons,
      requires: this.requires,
      trace: this.trace,
    };
  }
}

/** Rules 0..k (all of them when none matched), each with whether it matched and why. */
function buildTrace(
  rules: readonly RuntimeRule[],
  matched: number,
  m: MessageFacts,
  r: RecipientContext,
  nowMs: number,
): readonly TraceEntry[] {
  const last = matched < 0 ? rules.length - 1 : matched;
  const out: TraceEntry[] = [];
  for (let i = 0; i <= last; i++) {
    const rule = rules[i]!;
    const v = rule.explain(m, r, nowMs);
    out.push(Object.freeze({ rule: rule.name, matched: v.ok, why: v.why }));
  }
  return Object.freeze(out);
}

/**
 * Applies `require: [managed_device]` and `require: [consent]` for one recipient: a device that
 * is not known to be managed and compliant blocks; steps on channels without consent are dropped,
 * and a route left empty blocks.
 */
function applyRequirements(t: DecisionTemplate, r: RecipientContext): DecisionTemplate {
  if (t.managed && !(r.managedDevice === true && r.compliantDevice === true)) {
    return {
      ...t,
      outcome: 'block',
      route: [],
      reasons: [
        `blocked: rule "${t.rule}" requires a managed, compliant device, and the recipient's device is not known to be both (managed: ${fact(r.managedDevice)}, compliant: ${fact(r.compliantDevice)})`,
        ...t.reasons,
      ],
    };
  }
  if (!t.consent || t.route.length === 0) return t;
  const consent = r.consent ?? [];
  const kept = t.route.filter((s) => consent.includes(s.channel));
  if (kept.length === t.route.length) return t;
  const dropped = t.route.filter((s) => !consent.includes(s.channel)).map((s) => s.channel);
  const note = `steps on ${[...new Set(dropped)].join(', ')} dropped: the recipient has not consented to them`;
  if (kept.length === 0) {
    return {
      ...t,
      outcome: 'block',
      route: [],
      reasons: [
        `blocked: rule "${t.rule}" requires consent, and the recipient consented to no channel of its route`,
        ...t.reasons,
      ],
    };
  }
  return { ...t, route: kept, reasons: [...t.reasons, note] };
}

function fact(v: boolean | undefined): string {
  return v === undefined ? 'unknown' : v ? 'yes' : 'no';
}
