import type { Channel, ContentKind, SecurityTier } from './decision.ts';
import type { JournalMode, MessageFacts, Outcome, RecipientContext, RecipientKind } from './decision.ts';
import type { SourcePosition } from './policy-diagnostics.ts';
import { many, type CaseDoc } from './policy-document.ts';
import type { SourceDocument } from './source-map.ts';

/** One expected step: a channel, and optionally the content it must carry. */
export interface ExpectedStep {
  readonly channel: Channel;
  readonly content?: ContentKind;
}

/** What a case expects; only the fields given are compared. */
export interface CaseExpectation {
  readonly outcome?: Outcome;
  readonly rule?: string;
  readonly route?: readonly ExpectedStep[];
  readonly journal?: JournalMode;
  readonly minimumTier?: SecurityTier;
  /** Exactly these channels' steps are below the minimum tier (notices). */
  readonly belowMinimumTier?: readonly Channel[];
  /** Each string must appear in one of the decision's reasons. */
  readonly reasonsInclude?: readonly string[];
}

/** A policy test case: a hypothetical message, what Herald knows of the recipient, the expectation. */
export interface PolicyCase {
  readonly name: string;
  readonly message: MessageFacts;
  readonly recipient: RecipientContext;
  readonly now?: Date;
  readonly expect: CaseExpectation;
  /** Where the case is written, for failure reports. */
  readonly position?: SourcePosition;
}

/** The recipient kind of an address: `+…` is a phone number, `…@…` an email address, else a user id. */
export function recipientKindOf(address: string): RecipientKind {
  if (address.startsWith('+')) return 'phone';
  if (address.includes('@')) return 'email';
  return 'user';
}

/** Converts schema-valid case documents; reports instants that are not real dates. */
export function casesFromDocs(
  docs: readonly CaseDoc[],
  src: SourceDocument,
  base: string,
  problem?: (path: string, message: string) => void,
): PolicyCase[] {
  return docs.map((d, i) => {
    const now = d.now === undefined ? undefined : new Date(d.now);
    if (now !== undefined && Number.isNaN(now.getTime())) {
      problem?.(`${base}/${i}/now`, `case "${d.name}": ${JSON.stringify(d.now)} is not a valid instant`);
    }
    const m = d.message;
    const r = d.recipient ?? {};
    const message: MessageFacts = {
      tenantId: m.tenant ?? 'tenant',
      ...(m.api_key === undefined ? {} : { apiKeyId: m.api_key }),
      ...(m.app === undefined ? {} : { app: m.app }),
      classification: m.classification,
      retention: m.retention ?? 'standard',
      labels: { ...m.labels },
      recipient: { kind: recipientKindOf(m.to), address: m.to },
    };
    const recipient: RecipientContext = {
      capabilities: { ...r.capabilities },
      ...(r.country === undefined ? {} : { country: r.country }),
      ...(r.managed_device === undefined ? {} : { managedDevice: r.managed_device }),
      ...(r.compliant_device === undefined ? {} : { compliantDevice: r.compliant_device }),
      ...(r.consent === undefined ? {} : { consent: r.consent }),
      ...(r.quiet_hours === undefined ? {} : { quietHours: r.quiet_hours }),
    };
    const e = d.expect;
    const expect: CaseExpectation = {
      ...(e.outcome === undefined ? {} : { outcome: e.outcome }),
      ...(e.rule === undefined ? {} : { rule: e.rule }),
      ...(e.route === undefined ? {} : { route: e.route.map(parseExpectedStep) }),
      ...(e.journal === undefined ? {} : { journal: e.journal }),
      ...(e.minimum_tier === undefined ? {} : { minimumTier: e.minimum_tier }),
      ...(e.below_minimum_tier === undefined ? {} : { belowMinimumTier: e.below_minimum_tier }),
      ...(e.reasons_include === undefined ? {} : { reasonsInclude: many(e.reasons_include) }),
    };
    return {
      name: d.name,
      message,
      recipient,
      ...(now === undefined ? {} : { now }),
      expect,
      position: src.positionOf(`${base}/${i}`),
    };
  });
}

/** `secure:full` → `{ channel: 'secure', content: 'full' }`; `sms` → any content on sms. */
export function parseExpectedStep(text: string): ExpectedStep {
  const [channel, content] = text.split(':') as [Channel, ContentKind | undefined];
  return content === undefined ? { channel } : { channel, content };
}
