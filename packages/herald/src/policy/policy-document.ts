import type { Channel, ContentKind, SecurityTier } from './decision.ts';
import type { Classification, JournalMode, RecipientKind, Requirement } from './decision.ts';

/*
 * The shape of a policy document after it passed `policy.schema.json`. These types mirror the
 * schema; the compiler reads them, nothing else does.
 */

/** A value or a list of values; a list matches when any of its values does. */
export type OneOrMany<T> = T | readonly T[];

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface ConditionDoc {
  readonly classification?:
    | OneOrMany<Classification>
    | {
        readonly in?: OneOrMany<Classification>;
        readonly at_least?: Classification;
        readonly at_most?: Classification;
      };
  readonly retention?: OneOrMany<string>;
  readonly labels?: Readonly<Record<string, OneOrMany<string> | boolean>>;
  readonly sender?: {
    readonly tenant?: OneOrMany<string>;
    readonly api_key?: OneOrMany<string>;
    readonly app?: OneOrMany<string>;
  };
  readonly recipient?: {
    readonly kind?: OneOrMany<RecipientKind>;
    readonly country?: OneOrMany<string>;
    readonly capable?: OneOrMany<Channel>;
    readonly incapable?: OneOrMany<Channel>;
    readonly consent?: OneOrMany<Channel>;
    readonly managed_device?: boolean;
    readonly compliant_device?: boolean;
    readonly quiet_hours?: boolean;
  };
  readonly time?: {
    readonly between?: OneOrMany<string>;
    readonly days?: readonly Weekday[];
    readonly tz?: string;
  };
  readonly all?: readonly ConditionDoc[];
  readonly any?: readonly ConditionDoc[];
  readonly not?: ConditionDoc;
}

export type NoticeRefDoc = string | { readonly text: string };

export type TriggerDoc =
  | 'unsupported'
  | 'failed'
  | 'expired'
  | { readonly undelivered_after: string }
  | { readonly unread_after: string };

export interface StepDoc {
  readonly channel: Channel;
  readonly content?: ContentKind;
  readonly notice?: NoticeRefDoc;
  readonly fallback_on?: readonly TriggerDoc[];
}

export interface AllowDoc {
  readonly route: readonly StepDoc[];
  readonly journal?: JournalMode;
  readonly require?: readonly Requirement[];
  readonly min_tier?: SecurityTier;
}

export interface BlockDoc {
  readonly reason: string;
  readonly journal?: JournalMode;
}

export interface EscalateDoc {
  readonly reason: string;
  readonly journal?: JournalMode;
  readonly route?: readonly StepDoc[];
  readonly require?: readonly Requirement[];
  readonly min_tier?: SecurityTier;
}

export interface RuleDoc {
  readonly name: string;
  readonly description?: string;
  readonly when?: ConditionDoc;
  readonly allow?: AllowDoc;
  readonly block?: BlockDoc;
  readonly escalate?: EscalateDoc;
}

export interface CaseDoc {
  readonly name: string;
  readonly message: {
    readonly classification: Classification;
    readonly retention?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly tenant?: string;
    readonly api_key?: string;
    readonly app?: string;
    readonly to: string;
  };
  readonly recipient?: {
    readonly country?: string;
    readonly capabilities?: Readonly<Partial<Record<Channel, boolean>>>;
    readonly managed_device?: boolean;
    readonly compliant_device?: boolean;
    readonly consent?: readonly Channel[];
    readonly quiet_hours?: boolean;
  };
  readonly now?: string;
  readonly expect: {
    readonly outcome?: 'allow' | 'block' | 'escalate';
    readonly rule?: string;
    readonly route?: readonly string[];
    readonly journal?: JournalMode;
    readonly minimum_tier?: SecurityTier;
    readonly below_minimum_tier?: readonly Channel[];
    readonly reasons_include?: OneOrMany<string>;
  };
}

export interface PolicyDoc {
  readonly version: 1;
  readonly name: string;
  readonly description?: string;
  readonly defaults?: {
    readonly min_tier?: Readonly<Partial<Record<Classification, SecurityTier>>>;
    readonly journal?: JournalMode;
    readonly notice?: NoticeRefDoc;
    readonly unmatched?: 'block' | 'escalate';
  };
  readonly notices?: Readonly<Record<string, string>>;
  readonly rules: readonly RuleDoc[];
  readonly tests?: readonly CaseDoc[];
}

export interface CasesFileDoc {
  readonly policy?: string;
  readonly cases: readonly CaseDoc[];
}

/** Normalises a `OneOrMany` to a list. */
export function many<T>(v: OneOrMany<T>): readonly T[] {
  return Array.isArray(v) ? (v as readonly T[]) : [v as T];
}
