import type { MessageFacts, RecipientContext } from './decision.ts';

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
