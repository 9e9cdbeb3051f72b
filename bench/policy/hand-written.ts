import type {
  Classification,
  Decision,
  MessageFacts,
  RecipientContext,
  RouteStep,
} from '../../packages/herald/src/policy/decision.ts';
import type { SecurityTier } from '../../packages/herald/src/policy/decision.ts';

/*
 * What a careful engineer would write by hand instead of the 10-rule benchmark policy
 * (`generatePolicy(10)`): an `if` chain returning prebuilt routes. It has no trace and no
 * explanations; the compiled policy has both, lazily.
 */

const NOTICE = 'You have a new secure message. Open the app to read it.';
const NEXT = [{ on: 'unsupported' }, { on: 'failed' }] as const;
const MIN: Readonly<Record<Classification, SecurityTier>> = {
  public: 'plaintext',
  internal: 'plaintext',
  confidential: 'transport',
  restricted: 'e2ee',
};
const step = (
  channel: RouteStep['channel'],
  tier: SecurityTier,
  content: 'full' | 'notice',
  last: boolean,
  below: boolean,
): RouteStep => ({
  channel,
  tier,
  content,
  ...(content === 'notice' ? { notice: NOTICE } : {}),
  fallbackOn: last ? [] : NEXT,
  belowMinimumTier: below,
});

const SMS_FULL = [step('sms', 'plaintext', 'full', true, false)];
const secureThenNotice = (c: Classification): RouteStep[] => [
  step('secure', 'e2ee', 'full', false, false),
  step('sms', 'plaintext', 'notice', true, MIN[c] !== 'plaintext'),
];
const SECURE_NOTICE: Readonly<Record<Classification, RouteStep[]>> = {
  public: secureThenNotice('public'),
  internal: secureThenNotice('internal'),
  confidential: secureThenNotice('confidential'),
  restricted: secureThenNotice('restricted'),
};
const CONFIDENTIAL_ROUTE = [
  step('rcs', 'transport', 'full', false, false),
  step('email', 'transport', 'full', false, false),
  step('sms', 'plaintext', 'notice', true, true),
];
const NONE: readonly RouteStep[] = [];
const REASONS = ['decided by the hand-written chain'];

function decision(
  outcome: Decision['outcome'],
  rule: string,
  route: readonly RouteStep[],
  journal: Decision['journal'],
  c: Classification,
): Decision {
  return {
    outcome,
    route,
    journal,
    minimumTier: MIN[c],
    rule,
    policyVersion: 'hand-written',
    reasons: REASONS,
    trace: [],
  };
}

/** The 10-rule benchmark policy as an `if` chain. */
export function handWrittenTen(m: MessageFacts, r: RecipientContext, _now: Date): Decision {
  const c = m.classification;
  const pub = c === 'public' || c === 'internal';
  if (pub && m.app === 'app-0') return decision('allow', 'app-0', SMS_FULL, 'none', c);
  if (m.labels['dept'] === 'd-1') return decision('allow', 'dept-1', SECURE_NOTICE[c], 'sealed', c);
  if (c === 'confidential' && r.country === 'AC')
    return decision('allow', 'country-2', CONFIDENTIAL_ROUTE, 'none', c);
  if (m.labels['purpose'] === 'p-3' && r.capabilities.rcs === true)
    return decision('block', 'purpose-3', NONE, 'none', c);
  if (m.tenantId === 't-4' || m.retention === 'r-4') return decision('escalate', 'review-4', NONE, 'none', c);
  if (pub && m.app === 'app-5') return decision('allow', 'app-5', SMS_FULL, 'none', c);
  if (m.labels['dept'] === 'd-6') return decision('allow', 'dept-6', SECURE_NOTICE[c], 'sealed', c);
  if (c === 'confidential' && r.country === 'AH')
    return decision('allow', 'country-7', CONFIDENTIAL_ROUTE, 'none', c);
  if (m.labels['purpose'] === 'p-8' && r.capabilities.rcs === true)
    return decision('block', 'purpose-8', NONE, 'none', c);
  return decision('allow', 'catch-all', SECURE_NOTICE[c], 'none', c);
}
