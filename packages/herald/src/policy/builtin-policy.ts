import type { Decision, MessageFacts, PolicyEngine, RecipientContext } from './decision.ts';

const VERSION = 'builtin-1';

/**
 * The minimal policy Herald starts with before a policy file is loaded: public and internal
 * text to phone numbers goes by SMS with full content; anything confidential or restricted is
 * blocked, because SMS is plaintext and no higher channel is configured — never a silent
 * downgrade.
 */
export const builtinPolicy: PolicyEngine = {
  version: VERSION,
  decide(message: MessageFacts, recipient: RecipientContext): Decision {
    const base = { journal: 'none', policyVersion: VERSION, trace: [] } as const;
    if (message.classification === 'confidential' || message.classification === 'restricted') {
      return {
        ...base,
        outcome: 'block',
        route: [],
        minimumTier: message.classification === 'restricted' ? 'e2ee' : 'transport',
        rule: 'builtin/no-plaintext-for-sensitive',
        reasons: [`${message.classification} content may not travel as plaintext SMS`],
      };
    }
    if (message.recipient.kind !== 'phone' || recipient.capabilities.sms === false) {
      return {
        ...base,
        outcome: 'block',
        route: [],
        minimumTier: 'plaintext',
        rule: 'builtin/sms-only',
        reasons: ['the built-in policy reaches phone numbers by SMS only'],
      };
    }
    return {
      ...base,
      outcome: 'allow',
      route: [
        { channel: 'sms', tier: 'plaintext', content: 'full', fallbackOn: [], belowMinimumTier: false },
      ],
      minimumTier: 'plaintext',
      rule: 'builtin/sms',
      reasons: [`${message.classification} content may travel by SMS`],
    };
  },
};
