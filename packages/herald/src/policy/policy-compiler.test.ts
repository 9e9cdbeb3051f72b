import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CompiledPolicy } from './compiled-policy.ts';
import type { MessageFacts, RecipientContext } from './decision.ts';
import { loadPolicy } from './load-policy.ts';

function load(rules: string, head = '', opts: { generateCode?: boolean } = {}): CompiledPolicy {
  return loadPolicy(`version: 1\nname: test\n${head}rules:\n${rules}`, { filename: 't.yaml', ...opts })
    .policy;
}

function msg(over: Partial<MessageFacts> = {}): MessageFacts {
  return {
    tenantId: 'acme',
    classification: 'internal',
    retention: 'standard',
    labels: {},
    recipient: { kind: 'phone', address: '+4915112345678' },
    ...over,
  };
}

const nobody: RecipientContext = { capabilities: {} };

/** The name of the rule that decides. */
function rule(p: CompiledPolicy, m: Partial<MessageFacts>, r: RecipientContext = nobody, now?: Date): string {
  return p.decide(msg(m), r, now).rule;
}

describe('conditions', () => {
  it('matches classification by value, list, at_least and at_most', () => {
    const p = load(`
  - { name: eq, when: { classification: restricted }, block: { reason: x } }
  - { name: in, when: { classification: { in: [confidential] } }, block: { reason: x } }
  - { name: most, when: { classification: { at_most: internal } }, block: { reason: x } }
`);
    assert.equal(rule(p, { classification: 'restricted' }), 'eq');
    assert.equal(rule(p, { classification: 'confidential' }), 'in');
    assert.equal(rule(p, { classification: 'public' }), 'most');
    const q = load(`
  - { name: least, when: { classification: { at_least: confidential } }, block: { reason: x } }
  - { name: rest, block: { reason: x } }
`);
    assert.equal(rule(q, { classification: 'confidential' }), 'least');
    assert.equal(rule(q, { classification: 'internal' }), 'rest');
  });

  it('matches retention, labels (value, list, present, absent) and sender', () => {
    const p = load(`
  - { name: kept, when: { retention: [7y, 10y] }, block: { reason: x } }
  - { name: otp, when: { labels: { purpose: otp } }, block: { reason: x } }
  - { name: region, when: { labels: { region: [eu, uk] } }, block: { reason: x } }
  - { name: tagged, when: { labels: { campaign: true } }, block: { reason: x } }
  - { name: app, when: { sender: { app: billing, tenant: [acme] } }, block: { reason: x } }
  - { name: key, when: { sender: { api_key: key_1 } }, block: { reason: x } }
  - { name: untagged, when: { labels: { campaign: false } }, block: { reason: x } }
`);
    assert.equal(rule(p, { retention: '10y' }), 'kept');
    assert.equal(rule(p, { labels: { purpose: 'otp' } }), 'otp');
    assert.equal(rule(p, { labels: { region: 'uk' } }), 'region');
    assert.equal(rule(p, { labels: { campaign: 'spring' } }), 'tagged');
    assert.equal(rule(p, { app: 'billing' }), 'app');
    assert.equal(rule(p, { app: 'billing', tenantId: 'other' }), 'untagged');
    assert.equal(rule(p, { apiKeyId: 'key_1' }), 'key');
    assert.equal(rule(p, {}), 'untagged');
  });

  it('does not mistake inherited object properties for labels', () => {
    const p = load(`
  - { name: ctor, when: { labels: { constructor: true } }, block: { reason: x } }
  - { name: rest, block: { reason: x } }
`);
    assert.equal(rule(p, { labels: {} }), 'rest');
    assert.equal(rule(p, { labels: JSON.parse('{"constructor":"yes"}') as Record<string, string> }), 'ctor');
  });

  it('matches the recipient: kind, country (given or from the number), capabilities, consent, device, quiet hours', () => {
    const p = load(`
  - { name: email, when: { recipient: { kind: email } }, block: { reason: x } }
  - { name: de, when: { recipient: { country: DE } }, block: { reason: x } }
  - { name: secure, when: { recipient: { capable: [secure, push] } }, block: { reason: x } }
  - { name: no-rcs, when: { recipient: { incapable: rcs } }, block: { reason: x } }
  - { name: consent, when: { recipient: { consent: sms } }, block: { reason: x } }
  - { name: managed, when: { recipient: { managed_device: true, compliant_device: true } }, block: { reason: x } }
  - { name: quiet, when: { recipient: { quiet_hours: true } }, block: { reason: x } }
  - { name: rest, block: { reason: x } }
`);
    const fr = { kind: 'phone', address: '+33612345678' } as const;
    assert.equal(rule(p, { recipient: { kind: 'email', address: 'a@b.c' } }), 'email');
    assert.equal(rule(p, {}), 'de', 'country from the +49 number');
    assert.equal(
      rule(p, { recipient: fr }, { country: 'DE', capabilities: {} }),
      'de',
      'the caller knows better',
    );
    assert.equal(
      rule(p, { recipient: fr }, { capabilities: { secure: true } }),
      'rest',
      'both capabilities needed',
    );
    assert.equal(rule(p, { recipient: fr }, { capabilities: { secure: true, push: true } }), 'secure');
    assert.equal(rule(p, { recipient: fr }, { capabilities: { rcs: false } }), 'no-rcs');
    assert.equal(rule(p, { recipient: fr }, { capabilities: {}, consent: ['email', 'sms'] }), 'consent');
    assert.equal(
      rule(p, { recipient: fr }, { capabilities: {}, managedDevice: true }),
      'rest',
      'compliance unknown',
    );
    assert.equal(
      rule(p, { recipient: fr }, { capabilities: {}, managedDevice: true, compliantDevice: true }),
      'managed',
    );
    assert.equal(rule(p, { recipient: fr }, { capabilities: {}, quietHours: true }), 'quiet');
  });

  it('treats an unknown recipient fact as matching neither true nor false', () => {
    const p = load(`
  - { name: quiet, when: { recipient: { quiet_hours: true } }, block: { reason: x } }
  - { name: awake, when: { recipient: { quiet_hours: false } }, block: { reason: x } }
  - { name: unknown, block: { reason: x } }
`);
    assert.equal(rule(p, {}, { capabilities: {} }), 'unknown');
    assert.equal(rule(p, {}, { capabilities: {}, quietHours: false }), 'awake');
  });

  it('combines conditions with all, any and not', () => {
    const p = load(`
  - name: combo
    when:
      any:
        - all: [{ labels: { a: '1' } }, { labels: { b: '1' } }]
        - not: { classification: [public, internal] }
    block: { reason: x }
  - { name: rest, block: { reason: x } }
`);
    assert.equal(rule(p, { labels: { a: '1', b: '1' } }), 'combo');
    assert.equal(rule(p, { labels: { a: '1' } }), 'rest');
    assert.equal(rule(p, { classification: 'confidential' }), 'combo');
  });

  it('matches time of day in a time zone, across midnight and daylight saving time', () => {
    const p = load(`
  - name: night
    when: { time: { between: ['22:00-07:00'], tz: Europe/Berlin } }
    block: { reason: x }
  - name: weekend
    when: { time: { days: [sat, sun] } }
    block: { reason: x }
  - { name: day, block: { reason: x } }
`);
    assert.ok(p.usesTime);
    // Winter: Berlin is UTC+1. 21:30Z is 22:30 local.
    assert.equal(rule(p, {}, nobody, new Date('2025-01-08T21:30:00Z')), 'night');
    assert.equal(rule(p, {}, nobody, new Date('2025-01-08T20:30:00Z')), 'day');
    // Summer: UTC+2. 20:30Z is 22:30 local; 05:30Z is 07:30 local.
    assert.equal(rule(p, {}, nobody, new Date('2025-07-09T20:30:00Z')), 'night');
    assert.equal(rule(p, {}, nobody, new Date('2025-07-09T05:30:00Z')), 'day');
    // Saturday in UTC (the default zone).
    assert.equal(rule(p, {}, nobody, new Date('2025-01-11T12:00:00Z')), 'weekend');
    // The day clocks spring forward (02:00 → 03:00 local on Sunday 30 March 2025): 00:30Z is
    // 01:30 CET, night; 05:30Z is 07:30 CEST, morning (it would be 06:30, night, without DST).
    assert.equal(rule(p, {}, nobody, new Date('2025-03-30T00:30:00Z')), 'night');
    assert.equal(rule(p, {}, nobody, new Date('2025-03-30T05:30:00Z')), 'weekend');
  });
});

describe('outcomes', () => {
  it('returns a block with the reason, never throwing', () => {
    const p = load(
      `  - { name: no, when: { labels: { x: y } }, block: { reason: not today, journal: metadata } }\n`,
    );
    const d = p.decide(msg({ labels: { x: 'y' } }), nobody);
    assert.equal(d.outcome, 'block');
    assert.deepEqual(d.route, []);
    assert.equal(d.journal, 'metadata');
    assert.equal(d.reasons[0], 'blocked: not today');
  });

  it('escalates with the route to use if a reviewer releases the message', () => {
    const p = load(`
  - name: review
    escalate:
      reason: needs a human
      route: [{ channel: secure }]
`);
    const d = p.decide(msg(), nobody);
    assert.equal(d.outcome, 'escalate');
    assert.equal(d.reasons[0], 'held for review: needs a human');
    assert.deepEqual(
      d.route.map((s) => s.channel),
      ['secure'],
    );
  });

  it('blocks by the policy default when no rule matches', () => {
    const p = load(
      `  - { name: only-otp, when: { labels: { purpose: otp } }, block: { reason: x } }\n`,
      'defaults:\n  unmatched: escalate\n',
    );
    const d = p.decide(msg(), nobody);
    assert.deepEqual([d.outcome, d.rule, d.ruleIndex], ['escalate', '(no rule matched)', -1]);
    assert.equal(d.trace.length, 1);
  });

  it('blocks a message whose classification it does not know instead of throwing', () => {
    const p = load(`  - { name: all, allow: { route: [{ channel: secure }] } }\n`);
    const d = p.decide(msg({ classification: 'top-secret' as never }), nobody);
    assert.deepEqual([d.outcome, d.minimumTier], ['block', 'e2ee']);
  });

  it('fills in triggers, journal and notices', () => {
    const p = load(
      `
  - name: r
    allow:
      journal: sealed
      route:
        - channel: secure
        - channel: rcs
          content: notice
          fallback_on: [expired, { undelivered_after: 1m30s }, { unread_after: 10m }]
        - channel: sms
          notice: { text: Open the app. }
`,
      'defaults:\n  notice: hello\nnotices:\n  hello: You have mail.\n',
    );
    const d = p.decide(msg({ classification: 'restricted' }), nobody);
    assert.equal(d.journal, 'sealed');
    assert.deepEqual(d.route[0]!.fallbackOn, [{ on: 'unsupported' }, { on: 'failed' }]);
    assert.deepEqual(d.route[1]!.fallbackOn, [
      { on: 'expired' },
      { on: 'undelivered_after', ms: 90_000 },
      { on: 'unread_after', ms: 600_000 },
    ]);
    assert.deepEqual([d.route[1]!.notice, d.route[1]!.noticeTemplate], ['You have mail.', 'hello']);
    assert.deepEqual([d.route[2]!.notice, d.route[2]!.noticeTemplate], ['Open the app.', undefined]);
    assert.deepEqual(d.route[2]!.fallbackOn, []);
  });

  it('keeps only consented channels when the rule requires consent, and blocks when none is left', () => {
    const p = load(`
  - name: marketing
    when: { classification: public }
    allow: { require: [consent], route: [{ channel: rcs }, { channel: email }, { channel: sms }] }
`);
    const some = p.decide(msg({ classification: 'public' }), { capabilities: {}, consent: ['sms', 'email'] });
    assert.deepEqual(
      some.route.map((s) => s.channel),
      ['email', 'sms'],
    );
    assert.ok(some.reasons.some((r) => r.includes('steps on rcs dropped')));
    const none = p.decide(msg({ classification: 'public' }), nobody);
    assert.equal(none.outcome, 'block');
    assert.match(none.reasons[0]!, /requires consent/);
  });

  it('blocks when a managed, compliant device is required and not known', () => {
    const p = load(
      `  - { name: staff, allow: { require: [managed_device], route: [{ channel: secure }] } }\n`,
    );
    const ok = p.decide(msg(), { capabilities: {}, managedDevice: true, compliantDevice: true });
    assert.equal(ok.outcome, 'allow');
    assert.deepEqual(ok.requires, ['managed_device']);
    const no = p.decide(msg(), { capabilities: {}, managedDevice: true, compliantDevice: false });
    assert.equal(no.outcome, 'block');
    assert.match(no.reasons[0]!, /managed: yes, compliant: no/);
  });

  it('raises the minimum tier for require: [e2ee] and min_tier, and says why', () => {
    const p = load(`
  - name: health
    when: { labels: { data: health } }
    allow: { require: [e2ee], route: [{ channel: secure }, { channel: sms, content: notice }] }
  - name: raised
    when: { classification: public }
    allow: { min_tier: transport, route: [{ channel: rcs }, { channel: sms, content: notice }] }
`);
    const h = p.decide(msg({ classification: 'public', labels: { data: 'health' } }), nobody);
    assert.equal(h.minimumTier, 'e2ee');
    assert.ok(h.reasons.includes('minimum tier e2ee (the rule requires e2ee)'));
    const r = p.decide(msg({ classification: 'public' }), nobody);
    assert.equal(r.minimumTier, 'transport');
    assert.deepEqual(
      r.route.map((s) => s.belowMinimumTier),
      [false, true],
    );
  });
});

describe('decisions as values', () => {
  const p = load(`
  - name: otp
    when: { labels: { purpose: otp }, recipient: { capable: rcs }, classification: { at_most: confidential } }
    allow: { route: [{ channel: rcs }] }
  - { name: everyday, when: { classification: [public, internal] }, allow: { route: [{ channel: sms }] } }
`);

  it('carries the matched rule, its position, the policy version and name', () => {
    const d = p.decide(msg(), nobody);
    assert.deepEqual(
      [d.rule, d.ruleIndex, d.policyVersion, d.policyName],
      ['everyday', 1, p.version, 'test'],
    );
  });

  it('traces the rules passed over and why, up to the one that matched', () => {
    const d = p.decide(msg({ labels: { purpose: 'otp' } }), { capabilities: { rcs: false } });
    assert.deepEqual(d.trace, [
      { rule: 'otp', matched: false, why: 'recipient is not reachable on rcs' },
      { rule: 'everyday', matched: true, why: 'classification is internal' },
    ]);
    assert.equal(d.trace, d.trace, 'built once, then kept');
  });

  it('serialises with its trace', () => {
    const d = p.decide(msg(), nobody);
    const plain = JSON.parse(JSON.stringify(d)) as { trace: unknown[]; rule: string };
    assert.equal(plain.rule, 'everyday');
    assert.equal(plain.trace.length, 2);
  });

  it('explains itself in words', () => {
    const text = p.explain(msg({ labels: { purpose: 'otp' } }), { capabilities: {} });
    assert.match(text, /^decision {2}ALLOW by rule "everyday" \(rule 2\)$/m);
    assert.match(text, /^ {2}1\. sms \(plaintext\) full$/m);
    assert.match(text, /^ {2}✗ 1\. otp: whether the recipient is reachable on rcs is unknown$/m);
    assert.match(text, /^ {2}✓ 2\. everyday: classification is internal$/m);
  });

  it('decides the same with and without generated code', () => {
    const rules = Array.from(
      { length: 30 },
      (_, i) =>
        `  - { name: r${i}, when: { ${i % 2 ? `labels: { k${i % 3}: ['v${i}', 'w'] }` : `sender: { app: a${i % 4} }`}, classification: [public, internal] }, allow: { route: [{ channel: sms }] } }\n`,
    ).join('');
    const fast = load(rules);
    const slow = load(rules, '', { generateCode: false });
    for (let i = 0; i < 40; i++) {
      const m = msg({ app: `a${i % 5}`, labels: { [`k${i % 3}`]: i % 7 === 0 ? 'w' : `v${i}` } });
      assert.equal(fast.decide(m, nobody).rule, slow.decide(m, nobody).rule);
    }
  });

  it('keeps label keys and values with quotes and backslashes inert in generated code', () => {
    const evil = `"]; globalThis.pwned = true; //`;
    const p2 = load(
      `  - { name: odd, when: { labels: { ${JSON.stringify(evil)}: ${JSON.stringify(`\\'${evil}\u2028`)} } }, block: { reason: x } }\n  - { name: rest, block: { reason: x } }\n`,
    );
    assert.equal(rule(p2, { labels: { [evil]: `\\'${evil}\u2028` } }), 'odd');
    assert.equal(rule(p2, { labels: { [evil]: 'other' } }), 'rest');
    assert.equal((globalThis as { pwned?: boolean }).pwned, undefined);
  });
});
