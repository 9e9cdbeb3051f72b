import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { CLASSIFICATIONS, type Decision, type MessageFacts, type RecipientContext } from './decision.ts';
import { checkPolicy, tryLoadPolicy } from './load-policy.ts';
import { isSchemaValidPolicy } from './schema-validation.ts';
import { POLICY_CHANNELS, TIER_FLOORS, tierRank } from './tiers.ts';

// Small value domains, so generated messages often meet generated conditions.
const LABEL_KEYS = ['purpose', 'dept', 'region'] as const;
const LABEL_VALUES = ['otp', 'marketing', 'ops', 'eu'] as const;
const APPS = ['billing', 'crm'] as const;

const classification = fc.constantFrom(...CLASSIFICATIONS);
const channel = fc.constantFrom(...POLICY_CHANNELS);
const tier = fc.constantFrom('e2ee', 'transport', 'plaintext');
const labelValue = fc.constantFrom(...LABEL_VALUES);
const time = fc
  .tuple(
    fc.integer({ min: 0, max: 23 }),
    fc.integer({ min: 0, max: 23 }),
    fc.constantFrom('UTC', 'Europe/Berlin', 'Asia/Kathmandu'),
  )
  .map(([a, b, tz]) => ({
    between: `${String(a).padStart(2, '0')}:00-${String(b).padStart(2, '0')}:30`,
    tz,
  }));

const leaf: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .oneof(classification, fc.uniqueArray(classification, { minLength: 1 }))
      .map((c) => ({ classification: c })),
  },
  { weight: 1, arbitrary: classification.map((c) => ({ classification: { at_least: c } })) },
  { weight: 1, arbitrary: classification.map((c) => ({ classification: { at_most: c } })) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...LABEL_KEYS),
        fc.oneof(labelValue, fc.array(labelValue, { minLength: 1, maxLength: 2 }), fc.boolean()),
      )
      .map(([k, v]) => ({ labels: { [k]: v } })),
  },
  { weight: 1, arbitrary: fc.constantFrom(...APPS).map((app) => ({ sender: { app } })) },
  { weight: 1, arbitrary: fc.constantFrom('standard', '7y').map((retention) => ({ retention })) },
  { weight: 1, arbitrary: channel.map((c) => ({ recipient: { capable: c } })) },
  { weight: 1, arbitrary: channel.map((c) => ({ recipient: { consent: c } })) },
  { weight: 1, arbitrary: fc.boolean().map((b) => ({ recipient: { quiet_hours: b } })) },
  { weight: 1, arbitrary: fc.constantFrom('DE', 'FR').map((c) => ({ recipient: { country: c } })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('phone', 'email', 'user').map((k) => ({ recipient: { kind: k } })),
  },
  { weight: 1, arbitrary: time.map((t) => ({ time: t })) },
);

const condition: fc.Arbitrary<Record<string, unknown>> = fc.letrec<{ c: Record<string, unknown> }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 5, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(tie('c'), { minLength: 1, maxLength: 3 }).map((all) => ({ all })) },
    { weight: 1, arbitrary: fc.array(tie('c'), { minLength: 1, maxLength: 3 }).map((any) => ({ any })) },
    { weight: 1, arbitrary: tie('c').map((not) => ({ not })) },
  ),
})).c;

/** Several keys in one condition object (an implicit `all`), without repeated keys. */
const when = fc
  .array(condition, { minLength: 1, maxLength: 3 })
  .map((parts) => Object.assign({}, ...parts.reverse()) as Record<string, unknown>);

const trigger = fc.oneof(
  fc.constantFrom('unsupported', 'failed', 'expired'),
  fc.constantFrom('30s', '2m', '1h30m').map((d) => ({ undelivered_after: d })),
  fc.constantFrom('10m', '1d').map((d) => ({ unread_after: d })),
);

const step = fc.record(
  { channel, content: fc.constantFrom('full', 'notice'), fallback_on: fc.array(trigger, { maxLength: 2 }) },
  { requiredKeys: ['channel'] },
);

/** Routes that are often loadable: content on the secure channel, notices elsewhere. */
const safeRoute = fc
  .array(fc.constantFrom('rcs', 'email', 'push', 'sms'), { maxLength: 3 })
  .map((rest) => [{ channel: 'secure' }, ...rest.map((c) => ({ channel: c, content: 'notice' }))]);

const route = fc.oneof(safeRoute, fc.array(step, { minLength: 1, maxLength: 4 }));

const outcome = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record(
        {
          route,
          journal: fc.constantFrom('sealed', 'metadata', 'none'),
          require: fc.uniqueArray(fc.constantFrom('e2ee', 'managed_device', 'consent'), { maxLength: 2 }),
          min_tier: tier,
        },
        { requiredKeys: ['route'] },
      )
      .map((allow) => ({ allow })),
  },
  { weight: 1, arbitrary: fc.constant({ block: { reason: 'generated block' } }) },
  { weight: 1, arbitrary: route.map((r) => ({ escalate: { reason: 'generated review', route: r } })) },
);

const rule = fc.record({ when, outcome }, { requiredKeys: ['outcome'] });

/**
 * Rules that load by construction: content only on the secure channel, or content on any
 * channel but push for public and internal messages. One unsafe rule rejects a whole policy, so
 * large policies of `rule` almost never load; these exercise the rule index instead.
 */
const safeRule = fc.oneof(
  fc.record(
    { when, outcome: safeRoute.map((r) => ({ allow: { route: r } })) },
    { requiredKeys: ['outcome'] },
  ),
  fc
    .record({
      when,
      outcome: fc
        .array(fc.constantFrom('rcs', 'email', 'sms', 'secure'), { minLength: 1, maxLength: 3 })
        .map((cs) => ({ allow: { route: cs.map((c) => ({ channel: c })) } })),
    })
    .map(({ when: w, outcome: o }) => ({
      when: { ...w, classification: ['public', 'internal'] },
      outcome: o,
    })),
  fc.record({ when, outcome: fc.constant({ block: { reason: 'generated block' } }) }),
);

function policyArbitrary(
  minRules: number,
  maxRules: number,
  rules: fc.Arbitrary<{ when?: Record<string, unknown>; outcome: Record<string, unknown> }> = rule,
): fc.Arbitrary<Record<string, unknown>> {
  // Raised defaults only for the general generator: `safeRule` assumes the floors.
  const raisable = rules === rule ? ['public', 'internal', 'confidential'] : [];
  return fc
    .record(
      {
        rules: fc.array(rules, { minLength: minRules, maxLength: maxRules, size: 'max' }),
        raise: fc.option(fc.constantFrom(...raisable, 'confidential'), { nil: undefined }),
      },
      { requiredKeys: ['rules'] },
    )
    .map(({ rules, raise }) => ({
      version: 1,
      name: 'generated',
      ...(raise === undefined ? {} : { defaults: { min_tier: { [raise]: 'e2ee' } } }),
      rules: rules.map((r, i) => ({
        name: `rule-${i}`,
        ...(r.when === undefined ? {} : { when: r.when }),
        ...r.outcome,
      })),
    }));
}

const message: fc.Arbitrary<MessageFacts> = fc
  .record({
    classification,
    labels: fc.dictionary(fc.constantFrom(...LABEL_KEYS), labelValue, { maxKeys: 3 }),
    app: fc.option(fc.constantFrom(...APPS), { nil: undefined }),
    retention: fc.constantFrom('standard', '7y'),
    to: fc.constantFrom('+4915112345678', '+33612345678', '+15550001111', 'ana@example.com', 'usr_1'),
  })
  .map((m) => ({
    tenantId: 'acme',
    ...(m.app === undefined ? {} : { app: m.app }),
    classification: m.classification,
    retention: m.retention,
    labels: m.labels,
    recipient: {
      kind: m.to.startsWith('+') ? 'phone' : m.to.includes('@') ? 'email' : 'user',
      address: m.to,
    },
  }));

const maybeBool = fc.option(fc.boolean(), { nil: undefined });
const recipient: fc.Arbitrary<RecipientContext> = fc
  .record({
    capabilities: fc.dictionary(channel, fc.boolean(), { maxKeys: 5 }),
    consent: fc.option(fc.uniqueArray(channel), { nil: undefined }),
    managed: maybeBool,
    compliant: maybeBool,
    quiet: maybeBool,
    country: fc.option(fc.constantFrom('DE', 'FR'), { nil: undefined }),
  })
  .map((r) => ({
    capabilities: r.capabilities,
    ...(r.consent === undefined ? {} : { consent: r.consent }),
    ...(r.managed === undefined ? {} : { managedDevice: r.managed }),
    ...(r.compliant === undefined ? {} : { compliantDevice: r.compliant }),
    ...(r.quiet === undefined ? {} : { quietHours: r.quiet }),
    ...(r.country === undefined ? {} : { country: r.country }),
  }));

const now = fc.date({
  min: new Date('2024-01-01T00:00:00Z'),
  max: new Date('2026-12-31T00:00:00Z'),
  noInvalidDate: true,
});
const inputs = fc.array(fc.tuple(message, recipient, now), { minLength: 1, maxLength: 8 });

/** The invariant of DESIGN decision 4, checked on one decision. */
function assertTierSafe(d: Decision, m: MessageFacts): void {
  assert.ok(
    tierRank(d.minimumTier) >= tierRank(TIER_FLOORS[m.classification]),
    'minimum tier below the floor',
  );
  for (const s of d.route) {
    const below = tierRank(s.tier) < tierRank(d.minimumTier);
    assert.equal(s.belowMinimumTier, below, 'belowMinimumTier is wrong');
    if (s.content === 'full') {
      assert.ok(!below, `full content on ${s.channel} (${s.tier}) below ${d.minimumTier}`);
      assert.notEqual(s.channel, 'push', 'full content on push');
    } else {
      assert.equal(typeof s.notice, 'string');
    }
  }
}

/** The fast path (plans, indexes, generated code) agrees with evaluating every rule in order. */
function assertMatchesTrace(d: Decision): void {
  const trace = d.trace;
  const firstMatch = trace.findIndex((t) => t.matched);
  assert.equal(firstMatch, d.ruleIndex === undefined || d.ruleIndex < 0 ? -1 : trace.length - 1);
  if (d.ruleIndex !== undefined && d.ruleIndex >= 0) assert.equal(trace.at(-1)!.rule, d.rule);
}

describe('policy properties', () => {
  it('never routes content below the minimum tier, for any loadable policy and any message', () => {
    let loaded = 0;
    fc.assert(
      fc.property(policyArbitrary(1, 8), inputs, (doc, cases) => {
        const r = tryLoadPolicy(stringify(doc));
        if (!r.ok) return;
        loaded++;
        for (const [m, ctx, at] of cases) assertTierSafe(r.policy.decide(m, ctx, at), m);
      }),
      { numRuns: 300 },
    );
    assert.ok(loaded > 60, `only ${loaded} of 300 generated policies loaded: the generator needs tuning`);
  });

  it('is deterministic, and the compiled fast path agrees with rule-by-rule evaluation', () => {
    fc.assert(
      fc.property(policyArbitrary(1, 8), inputs, (doc, cases) => {
        const source = stringify(doc);
        const a = tryLoadPolicy(source);
        if (!a.ok) return;
        const b = tryLoadPolicy(source, { generateCode: false });
        assert.ok(b.ok);
        assert.equal(a.policy.version, b.policy.version);
        for (const [m, ctx, at] of cases) {
          const first = a.policy.decide(m, ctx, at);
          assert.deepEqual(
            JSON.parse(JSON.stringify(first)),
            JSON.parse(JSON.stringify(a.policy.decide(m, ctx, at))),
          );
          assert.deepEqual(
            JSON.parse(JSON.stringify(first)),
            JSON.parse(JSON.stringify(b.policy.decide(m, ctx, at))),
          );
          assertMatchesTrace(first);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps both properties for large policies that use the rule index', () => {
    let loaded = 0;
    fc.assert(
      fc.property(policyArbitrary(50, 90, safeRule), inputs, (doc, cases) => {
        const r = tryLoadPolicy(stringify(doc));
        if (!r.ok) return;
        loaded++;
        const closures = tryLoadPolicy(stringify(doc), { generateCode: false });
        assert.ok(closures.ok);
        for (const [m, ctx, at] of cases) {
          const d = r.policy.decide(m, ctx, at);
          assertTierSafe(d, m);
          assertMatchesTrace(d);
          assert.equal(closures.policy.decide(m, ctx, at).rule, d.rule);
        }
      }),
      { numRuns: 40 },
    );
    assert.ok(loaded > 30, `only ${loaded} of 40 large generated policies loaded`);
  });

  it('never loads a policy that fails schema validation', () => {
    const mutation = fc.oneof(
      fc.constant((d: Record<string, unknown>) => void ((d['rules'] as unknown[])[0] = { name: 'x' })),
      fc.string().map((s) => (d: Record<string, unknown>) => void (d['unexpected_key'] = s)),
      fc
        .string()
        .map(
          (s) => (d: Record<string, unknown>) =>
            void ((d['rules'] as Record<string, unknown>[])[0]!['when'] = { [s]: 1 }),
        ),
      fc.string().map((s) => (d: Record<string, unknown>) => {
        (d['rules'] as Record<string, unknown>[])[0] = { name: 'x', allow: { route: [{ channel: s }] } };
      }),
      fc.string().map((s) => (d: Record<string, unknown>) => {
        (d['rules'] as Record<string, unknown>[])[0] = {
          name: 'x',
          allow: {
            route: [
              { channel: 'secure', fallback_on: [{ undelivered_after: s }] },
              { channel: 'rcs', content: 'notice' },
            ],
          },
        };
      }),
      fc.anything().map((v) => (d: Record<string, unknown>) => void (d['version'] = v)),
      fc.anything().map((v) => (d: Record<string, unknown>) => void ((d['rules'] as unknown[])[0] = v)),
    );
    fc.assert(
      fc.property(policyArbitrary(1, 4), mutation, (doc, mutate) => {
        mutate(doc);
        const r = tryLoadPolicy(JSON.stringify(doc));
        if (!isSchemaValidPolicy(JSON.parse(JSON.stringify(doc)))) assert.equal(r.ok, false);
        if (r.ok) assert.ok(isSchemaValidPolicy(JSON.parse(JSON.stringify(doc))));
      }),
      { numRuns: 300 },
    );
  });

  it('never activates a policy that does not load or whose own tests fail', () => {
    const good = `version: 1\nname: g\nrules:\n  - name: all\n    allow: { route: [{ channel: secure }, { channel: sms, content: notice }] }\ntests:\n  - name: restricted goes secure\n    message: { classification: restricted, to: '+4915112345678' }\n    expect: { route: [secure:full, sms:notice] }\n`;
    assert.equal(checkPolicy(good).ok, true);
    const failing = good.replace('[secure:full, sms:notice]', '[sms:full]');
    const r = checkPolicy(failing);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, 'HERALD_ERR_POLICY_CASES_FAILED');
    // Corrupt the source anywhere: whatever comes out, it is active only if it loads and passes.
    fc.assert(
      fc.property(fc.nat(good.length), fc.nat(12), fc.string({ maxLength: 3 }), (at, cut, insert) => {
        const source = good.slice(0, at) + insert + good.slice(at + cut);
        const c = checkPolicy(source);
        if (!c.ok) return;
        const loaded = tryLoadPolicy(source);
        assert.ok(loaded.ok);
        assert.ok(c.report.ok && c.report.failed === 0);
      }),
      { numRuns: 300 },
    );
  });
});
