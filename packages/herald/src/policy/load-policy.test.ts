import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeraldError } from '../errors/index.ts';
import { loadPolicy, tryLoadPolicy } from './load-policy.ts';
import type { PolicyDiagnostic } from './policy-diagnostics.ts';

/** A policy with the given rules (YAML lines, indented as list items under `rules:`). */
function policy(rules: string, head = ''): string {
  return `version: 1\nname: test\n${head}rules:\n${rules}`;
}

function failure(source: string): { code: string; diagnostics: readonly PolicyDiagnostic[] } {
  const r = tryLoadPolicy(source, { filename: 'p.yaml' });
  assert.equal(r.ok, false, 'the policy should not load');
  if (r.ok) throw new Error('unreachable');
  return { code: r.error.code, diagnostics: r.diagnostics };
}

function only(source: string): PolicyDiagnostic {
  const { diagnostics } = failure(source);
  assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics, null, 2));
  return diagnostics[0]!;
}

describe('loading a policy', () => {
  it('loads a valid policy and names its version by content hash', () => {
    const { policy: p, warnings } = loadPolicy(
      policy('  - name: all\n    allow: { route: [{ channel: secure }] }\n'),
    );
    assert.deepEqual(warnings, []);
    assert.equal(p.name, 'test');
    assert.match(p.version, /^sha256:[0-9a-f]{64}$/);
  });

  it('gives the same version to the same content written differently, and a new one for a change', () => {
    const a = loadPolicy(policy('  - name: all\n    allow: { route: [{ channel: secure }] }\n')).policy;
    const b = loadPolicy(
      '# a comment\nname: test\nversion: 1\nrules:\n  - allow:\n      route:\n        - channel: secure\n    name: all\n',
    ).policy;
    const json = loadPolicy(
      JSON.stringify({
        version: 1,
        name: 'test',
        rules: [{ name: 'all', allow: { route: [{ channel: 'secure' }] } }],
      }),
    ).policy;
    const c = loadPolicy(
      policy('  - name: all\n    allow: { route: [{ channel: secure }], journal: sealed }\n'),
    ).policy;
    assert.equal(a.version, b.version);
    assert.equal(a.version, json.version);
    assert.notEqual(a.version, c.version);
  });

  it('throws a HeraldError with the code and position of the first problem', () => {
    assert.throws(
      () =>
        loadPolicy(policy('  - name: a\n    allow: { route: [{ channel: fax }] }\n'), { filename: 'p.yaml' }),
      (err: unknown) => {
        assert.ok(err instanceof HeraldError);
        assert.equal(err.code, 'HERALD_ERR_POLICY_UNKNOWN_CHANNEL');
        assert.equal(err.statusCode, 400);
        assert.equal(err.isRetryable, false);
        assert.match(err.message, /^Unknown channel in the policy at p\.yaml:5:33: unknown channel "fax"/);
        assert.equal((err.details?.['diagnostics'] as unknown[]).length, 1);
        return true;
      },
    );
  });

  it('reports bad YAML with its line and column', () => {
    const { code, diagnostics } = failure(
      'version: 1\nname: test\nrules:\n  - name: a\n    allow: { route: [ }\n',
    );
    const d = diagnostics[0]!;
    assert.equal(code, 'HERALD_ERR_POLICY_SYNTAX');
    assert.deepEqual([d.file, d.line, d.column], ['p.yaml', 5, 23]);
    assert.match(d.message, /^bad YAML/);
  });

  it('refuses a repeated key instead of letting the last one win', () => {
    const { code, diagnostics } = failure('version: 1\nname: a\nname: b\nrules: []\n');
    assert.equal(code, 'HERALD_ERR_POLICY_SYNTAX');
    assert.equal(diagnostics[0]!.line, 3);
  });

  it('names an unknown channel at the position of the channel', () => {
    const d = only(policy('  - name: a\n    allow:\n      route:\n        - channel: fax\n'));
    assert.equal(d.code, 'HERALD_ERR_POLICY_UNKNOWN_CHANNEL');
    assert.deepEqual([d.line, d.column, d.rule, d.path], [7, 20, 'a', '/rules/0/allow/route/0/channel']);
    assert.match(d.message, /expected secure, rcs, email, push or sms/);
  });

  it('names an unknown condition at the position of its key, listing the known ones', () => {
    const d = only(policy('  - name: a\n    when: { colour: red }\n    block: { reason: x }\n'));
    assert.equal(d.code, 'HERALD_ERR_POLICY_UNKNOWN_CONDITION');
    assert.deepEqual([d.line, d.column], [5, 13]);
    assert.match(d.message, /unknown condition "colour" \(expected one of classification, retention, labels/);
  });

  it('names unknown nested conditions with their scope, inside all/any/not too', () => {
    const { diagnostics } = failure(
      policy(
        '  - name: a\n    when:\n      any:\n        - recipient: { moon: true }\n        - not: { sender: { team: x } }\n    block: { reason: x }\n',
      ),
    );
    assert.deepEqual(
      diagnostics.map((d) => [d.code, d.line, d.message.split(' (')[0]]),
      [
        ['HERALD_ERR_POLICY_UNKNOWN_CONDITION', 7, 'unknown condition "recipient.moon"'],
        ['HERALD_ERR_POLICY_UNKNOWN_CONDITION', 8, 'unknown condition "sender.team"'],
      ],
    );
  });

  it('rejects a malformed duration and a zero one', () => {
    const bad = only(
      policy(
        '  - name: a\n    allow:\n      route:\n        - channel: secure\n          fallback_on: [{ undelivered_after: 30 seconds }]\n        - channel: push\n          content: notice\n',
      ),
    );
    assert.equal(bad.code, 'HERALD_ERR_POLICY_BAD_DURATION');
    assert.deepEqual([bad.line, bad.column], [8, 46]);
    const zero = only(
      policy(
        '  - name: a\n    allow:\n      route:\n        - channel: secure\n          fallback_on: [{ unread_after: 0s }]\n        - channel: push\n          content: notice\n',
      ),
    );
    assert.equal(zero.code, 'HERALD_ERR_POLICY_BAD_DURATION');
    assert.match(zero.message, /more than zero/);
  });

  it('rejects a rule that sends content below its minimum tier, naming the rule', () => {
    const d = only(
      policy(
        '  - name: secure-first\n    when: { classification: restricted }\n    allow: { route: [{ channel: secure }] }\n  - name: leaky\n    allow:\n      route:\n        - channel: rcs\n        - channel: sms\n',
      ),
    );
    // Rule "leaky" never sees restricted messages (the first rule decides them all), but
    // confidential ones reach it and need transport: the SMS step is the only problem.
    assert.equal(d.code, 'HERALD_ERR_POLICY_CONTENT_BELOW_TIER');
    assert.equal(d.rule, 'leaky');
    assert.deepEqual([d.line, d.column], [11, 20]);
    assert.match(
      d.message,
      /rule "leaky": step 2 sends the message itself by sms \(plaintext\), below the minimum tier of messages that can reach this rule \(confidential: transport\)/,
    );
  });

  it('checks content against the tier a rule requires or sets, not only the defaults', () => {
    const required = only(
      policy(
        '  - name: r\n    when: { classification: public }\n    allow: { require: [e2ee], route: [{ channel: rcs }] }\n',
      ),
    );
    assert.equal(required.code, 'HERALD_ERR_POLICY_CONTENT_BELOW_TIER');
    const raised = only(
      policy(
        '  - name: r\n    when: { classification: public }\n    allow: { min_tier: transport, route: [{ channel: sms }] }\n',
      ),
    );
    assert.equal(raised.code, 'HERALD_ERR_POLICY_CONTENT_BELOW_TIER');
  });

  it('allows notices below the tier and marks them', () => {
    const { policy: p } = loadPolicy(
      policy(
        '  - name: r\n    allow:\n      route:\n        - channel: secure\n        - channel: sms\n          content: notice\n',
      ),
    );
    const d = p.decide(
      {
        tenantId: 't',
        classification: 'restricted',
        retention: 's',
        labels: {},
        recipient: { kind: 'phone', address: '+1' },
      },
      { capabilities: {} },
    );
    assert.deepEqual(
      d.route.map((s) => [s.channel, s.content, s.belowMinimumTier]),
      [
        ['secure', 'full', false],
        ['sms', 'notice', true],
      ],
    );
  });

  it('refuses content on push, which carries notices only', () => {
    const d = only(
      policy(
        '  - name: p\n    when: { classification: public }\n    allow: { route: [{ channel: push, content: full }] }\n',
      ),
    );
    assert.equal(d.code, 'HERALD_ERR_POLICY_PUSH_CONTENT');
    const implicit = only(
      policy(
        '  - name: p\n    when: { classification: public }\n    allow: { route: [{ channel: push }] }\n',
      ),
    );
    assert.equal(implicit.code, 'HERALD_ERR_POLICY_PUSH_CONTENT');
  });

  it('refuses defaults that lower a classification floor', () => {
    const d = only(
      policy(
        '  - name: r\n    allow: { route: [{ channel: secure }] }\n',
        'defaults:\n  min_tier:\n    restricted: transport\n',
      ),
    );
    assert.equal(d.code, 'HERALD_ERR_POLICY_TIER_FLOOR');
    assert.deepEqual([d.line, d.column], [5, 17]);
  });

  it('refuses duplicate rule names and unknown notice templates', () => {
    const { diagnostics } = failure(
      policy(
        '  - name: a\n    when: { classification: public }\n    allow: { route: [{ channel: sms, notice: nope }] }\n  - name: a\n    block: { reason: x }\n',
      ),
    );
    assert.deepEqual(
      diagnostics.map((d) => d.code),
      ['HERALD_ERR_POLICY_UNKNOWN_NOTICE', 'HERALD_ERR_POLICY_DUPLICATE_RULE'],
    );
  });

  it('needs exactly one outcome per rule', () => {
    const d = only(
      policy('  - name: a\n    allow: { route: [{ channel: secure }] }\n    block: { reason: x }\n'),
    );
    assert.equal(d.code, 'HERALD_ERR_POLICY_INVALID');
    assert.match(d.message, /rule "a" needs exactly one of allow, block or escalate/);
  });

  it('rejects an unknown time zone', () => {
    const d = only(
      policy(
        '  - name: a\n    when: { time: { between: 09:00-17:00, tz: Mars/Olympus } }\n    block: { reason: x }\n',
      ),
    );
    assert.equal(d.code, 'HERALD_ERR_POLICY_INVALID');
    assert.match(d.message, /unknown time zone "Mars\/Olympus"/);
  });

  it('explains schema violations in words', () => {
    const { diagnostics } = failure('version: 2\nname: test\nrules:\n  - name: a\n    block: reason\n');
    assert.deepEqual(
      diagnostics.map((d) => d.message),
      ['"version" must be 1', '"rules/0/block" must be an object, not string "reason"'],
    );
  });

  it('rejects embedded test cases with an impossible instant', () => {
    const d = only(
      policy('  - name: a\n    block: { reason: x }\n', '') +
        'tests:\n  - name: t\n    message: { classification: public, to: "+1" }\n    now: 2025-13-45T10:00:00Z\n    expect: { outcome: block }\n',
    );
    assert.equal(d.code, 'HERALD_ERR_POLICY_INVALID');
    assert.match(d.message, /not a valid instant/);
  });
});

describe('warnings', () => {
  function warnings(source: string): string[] {
    const r = tryLoadPolicy(source, { filename: 'p.yaml' });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    return r.warnings.map((w) => `${w.code} ${w.rule} ${w.line}`);
  }

  it('warns about rules after a rule without conditions', () => {
    assert.deepEqual(
      warnings(
        policy(
          '  - name: everything\n    block: { reason: x }\n  - name: never\n    when: { classification: public }\n    block: { reason: y }\n',
        ),
      ),
      ['shadowed_rule never 6'],
    );
  });

  it('warns about a rule with the same conditions as an earlier one, written differently', () => {
    assert.deepEqual(
      warnings(
        policy(
          '  - name: a\n    when: { labels: { purpose: otp }, sender: { app: x } }\n    block: { reason: x }\n  - name: b\n    when: { all: [{ sender: { app: x } }, { labels: { purpose: [otp] } }] }\n    block: { reason: y }\n',
        ),
      ),
      ['shadowed_rule b 7'],
    );
  });

  it('warns about a rule narrower than an earlier one', () => {
    assert.deepEqual(
      warnings(
        policy(
          '  - name: wide\n    when: { classification: { at_least: confidential } }\n    block: { reason: x }\n  - name: narrow\n    when: { classification: restricted, labels: { purpose: otp } }\n    block: { reason: y }\n',
        ),
      ),
      ['shadowed_rule narrow 7'],
    );
  });

  it('does not warn about a rule that is wider than an earlier one', () => {
    assert.deepEqual(
      warnings(
        policy(
          '  - name: narrow\n    when: { classification: restricted, labels: { purpose: otp } }\n    block: { reason: y }\n  - name: wide\n    when: { classification: { at_least: confidential } }\n    block: { reason: x }\n',
        ),
      ),
      [],
    );
  });

  it('warns about a rule whose classifications are all decided earlier', () => {
    assert.deepEqual(
      warnings(
        policy(
          '  - name: r\n    when: { classification: restricted }\n    block: { reason: x }\n  - name: c\n    when: { classification: confidential }\n    block: { reason: x }\n  - name: late\n    when: { classification: [confidential, restricted], labels: { x: y } }\n    block: { reason: y }\n',
        ),
      ),
      ['shadowed_rule late 10'],
    );
  });

  it('warns about a condition no message can satisfy and about fallback on the last step', () => {
    assert.deepEqual(
      warnings(
        policy(
          '  - name: impossible\n    when: { all: [{ classification: public }, { classification: internal }] }\n    block: { reason: x }\n  - name: last\n    allow:\n      route:\n        - channel: secure\n          fallback_on: [failed]\n',
        ),
      ),
      ['never_matches impossible 5', 'fallback_on_last_step last 11'],
    );
  });
});

describe('the language and the rest of Herald', () => {
  it('knows exactly the channels and tiers the channel port declares, in the schema too', async () => {
    const port = await import('../channels/channel-adapter.ts');
    const { POLICY_CHANNELS, CHANNEL_TIERS } = await import('./tiers.ts');
    const { POLICY_SCHEMA } = await import('./schema-validation.ts');
    const defs = POLICY_SCHEMA['definitions'] as Record<string, { enum?: string[] }>;
    assert.deepEqual([...POLICY_CHANNELS].sort(), [...port.CHANNELS].sort());
    assert.deepEqual([...defs['channel']!.enum!].sort(), [...port.CHANNELS].sort());
    assert.deepEqual([...defs['tier']!.enum!].sort(), [...port.SECURITY_TIERS].sort());
    assert.deepEqual(
      Object.values(CHANNEL_TIERS).every((t) => (port.SECURITY_TIERS as readonly string[]).includes(t)),
      true,
    );
  });
});
