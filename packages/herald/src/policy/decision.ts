import type { Channel, ContentKind, SecurityTier } from '../channels/channel-adapter.ts';

// The channel and tier vocabulary is defined beside the channel port; the policy engine reaches
// it only through these type re-exports, so it has no runtime dependency on `channels/`.
export type { Channel, ContentKind, SecurityTier };

/** Message classifications, lowest sensitivity first. */
export const CLASSIFICATIONS = ['public', 'internal', 'confidential', 'restricted'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

/** What kind of address a recipient is. */
export const RECIPIENT_KINDS = ['phone', 'email', 'user'] as const;
export type RecipientKind = (typeof RECIPIENT_KINDS)[number];

/** The facts about a message that a policy may look at. Never the content itself. */
export interface MessageFacts {
  readonly tenantId: string;
  readonly apiKeyId?: string;
  readonly app?: string;
  readonly classification: Classification;
  readonly retention: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly recipient: { readonly kind: RecipientKind; readonly address: string };
}

/** What Herald knows about the recipient when it decides. */
export interface RecipientContext {
  /** ISO 3166-1 alpha-2 country, from the number's calling code. */
  readonly country?: string;
  /** Known reachability per channel; absent means unknown. */
  readonly capabilities: Readonly<Partial<Record<Channel, boolean>>>;
  readonly managedDevice?: boolean;
  readonly compliantDevice?: boolean;
  /** Channels the recipient consented to (for marketing). */
  readonly consent?: readonly Channel[];
  readonly quietHours?: boolean;
}

/** What moves a route to its next step (DESIGN decision 5). */
export type Trigger =
  | { readonly on: 'unsupported' }
  | { readonly on: 'failed' }
  | { readonly on: 'expired' }
  | { readonly on: 'undelivered_after'; readonly ms: number }
  | { readonly on: 'unread_after'; readonly ms: number };

/** One step of a route. */
export interface RouteStep {
  readonly channel: Channel;
  readonly tier: SecurityTier;
  readonly content: ContentKind;
  /** The notice text for `notice` steps (content-free by construction: static policy text). */
  readonly notice?: string;
  /** The name of the policy's notice template the text came from, when it came from one. */
  readonly noticeTemplate?: string;
  /** Triggers that move on to the next step. */
  readonly fallbackOn: readonly Trigger[];
  /** True when this step is below the message's minimum tier (only ever a notice). */
  readonly belowMinimumTier: boolean;
}

export const OUTCOMES = ['allow', 'block', 'escalate'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * Obligations a rule attaches to its route. `consent`: only channels the recipient consented to;
 * `managed_device`: only to a managed and compliant device; `e2ee`: minimum tier e2ee.
 */
export const REQUIREMENTS = ['e2ee', 'managed_device', 'consent'] as const;
export type Requirement = (typeof REQUIREMENTS)[number];

export const JOURNAL_MODES = ['sealed', 'metadata', 'none'] as const;
export type JournalMode = (typeof JOURNAL_MODES)[number];

/** One line of the decision trace: a rule that was looked at and why it did or did not match. */
export interface TraceEntry {
  readonly rule: string;
  readonly matched: boolean;
  readonly why: string;
}

/**
 * A policy decision: a value, never an exception (a deny is `outcome: 'block'`).
 * Stored with the message and shown in its timeline.
 */
export interface Decision {
  readonly outcome: Outcome;
  readonly route: readonly RouteStep[];
  readonly journal: JournalMode;
  readonly minimumTier: SecurityTier;
  readonly rule: string;
  readonly policyVersion: string;
  readonly reasons: readonly string[];
  /**
   * The rules looked at, in order, up to and including the one that matched. Compiled policies
   * build it lazily on first read (it is a getter), so deciding stays cheap; reading it is pure.
   */
  readonly trace: readonly TraceEntry[];
  /** Position of the matched rule in the policy (0-based); -1 when no rule matched. */
  readonly ruleIndex?: number;
  /** The policy's name (its `name`), next to its content-hash version. */
  readonly policyName?: string;
  /** Obligations the route carries (already applied to `route` where the context allows). */
  readonly requires?: readonly Requirement[];
}

/** The port the accept path calls. Pure: no I/O, never throws for a deny. */
export interface PolicyEngine {
  readonly version: string;
  decide(message: MessageFacts, recipient: RecipientContext, now?: Date): Decision;
}
